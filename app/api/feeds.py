"""API routes for feeds: home, latest, trending, and a tag's posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.api import bp
from app.api.common import api_viewer, light_auth, pending_token
from app.api.spec import operation
from app.cache import get_or_set
from app.feeds import queries
from app.payloads import PageQuery
from app.posts.payloads import PostList, post_list_response, post_page

# Anonymous pages are the same for everyone: cache them briefly, dropped on any post write.
SHARED_TTL = 10.0
PAGE = {200: ("One page of posts.", PostList)}
TRENDING = (
    "Posts of the last 7 days ranked by `(1 + reactions + 2 * comments) / (age_hours + 2) ^ 1.8`"
    " (Hacker News' gravity), highest first. A background job ranks them again once a minute and"
    " a walk through its pages stays on the ranking it started on, so no post is skipped or"
    " repeated while scores change. Until the job's first run on a new site the list is empty."
)


def shared(key: str, produce: Callable[[], PostList]) -> dict[str, Any]:
    """Serve a page from the shared cache for anonymous callers, fresh for signed-in ones."""
    if api_viewer() is not None:
        return produce().json_dict()
    return get_or_set("posts", key, SHARED_TTL, lambda: produce().json_dict())


@bp.get("/feed/home")
@operation(
    "Posts by the people you follow and yourself, newest first",
    "Feeds",
    PAGE,
    query=PageQuery,
    auth=True,
)
@light_auth
def home_feed(query: PageQuery):
    """Return the posts of the people you follow, and your own, newest first."""
    token = pending_token()  # checked by the page's own statement
    page = queries.home(user=token, limit=query.limit, cursor=query.cursor, sign_in=token)
    return post_list_response(page)  # PostList's JSON, each post's kept per version


@bp.get("/feed/latest")
@operation("Every post, newest first", "Feeds", PAGE, query=PageQuery)
def latest_feed(query: PageQuery):
    """Return every post, newest first."""
    limit, cursor = query.limit, query.cursor
    return shared(
        f"latest:{limit}:{cursor}",
        lambda: post_page(queries.latest(limit=limit, cursor=cursor, viewer=api_viewer())),
    )


@bp.get("/feed/trending")
@operation(
    "Posts ranked by engagement decayed by age",
    "Feeds",
    PAGE,
    query=PageQuery,
    description=TRENDING,
)
def trending_feed(query: PageQuery):
    """Return recent posts ranked by engagement decayed by age, highest first."""
    limit, cursor = query.limit, query.cursor
    return shared(
        f"trending:{limit}:{cursor}",
        lambda: post_page(queries.trending(limit=limit, cursor=cursor, viewer=api_viewer())),
    )


@bp.get("/tags/<tag>/posts")
@operation("The posts with a tag, newest first", "Feeds", PAGE, query=PageQuery)
def tag_posts(tag: str, query: PageQuery):
    """Return the posts with a tag, newest first."""
    limit, cursor = query.limit, query.cursor
    found = queries.tag_or_404(tag)
    return shared(
        f"tag:{found.id}:{limit}:{cursor}",
        lambda: post_page(queries.by_tag(found, limit=limit, cursor=cursor, viewer=api_viewer())),
    )
