"""API routes for feeds: home, latest, trending, and a tag's posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app

from app.api import bp
from app.api.common import api_viewer, light_auth, pending_token
from app.api.spec import operation
from app.cache import get_or_set
from app.cards import CardCache, post_version
from app.feeds import queries
from app.jsonwrite import dumps_bytes
from app.pagination import Page
from app.payloads import PageQuery
from app.posts.models import Post
from app.posts.payloads import PostList, post_json, post_list_json, post_page
from app.posts.queries import PostRow, PostView

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


def post_list_response(page: Page[PostView]) -> Response:
    """Answer a page of posts as ``PostList``, each post's JSON written once per version.

    What every reader gets alike (the post, its author, its counts) is kept per post and
    version as the JSON text around the two keys that differ per reader, ``bookmarked`` and
    ``my_reactions``, which are written in between: the same bytes as ``post_list_json``
    dumped, without building and encoding 20 posts' dictionaries on every request (the API
    home feed's largest cost after its statement: py-spy on gunicorn, docs/performance.md).
    """
    provider = current_app.json
    if provider.compact is False or (provider.compact is None and current_app.debug):
        return provider.response(post_list_json(page))  # indented for people: Flask's own
    parts = [b'{"items":[']
    for index, view in enumerate(page.items):
        if index:
            parts.append(b",")
        head, middle, tail = _post_json_parts(view.post)
        mine = view.my_reactions
        parts += (
            head,
            b"true" if view.bookmarked else b"false",
            middle,
            _dumps(mine) if mine else b"[]",
            tail,
        )
    parts += (b'],"next_cursor":', _dumps(page.next_cursor), b"}\n")
    return current_app.response_class(b"".join(parts), mimetype=provider.mimetype)


def _dumps(value: Any) -> bytes:
    provider = current_app.json
    return dumps_bytes(value, default=provider.default, ensure_ascii=provider.ensure_ascii)


# The keys around which a post's kept JSON is cut (keys are written sorted: no string value
# can hold these bytes, since a quote inside one is written escaped).
_BOOKMARKED, _MINE = b',"bookmarked":false', b',"my_reactions":[]'
post_json_cache = CardCache()


def _post_json_parts(post: Post | PostRow) -> tuple[bytes, bytes, bytes]:
    """Return a post's JSON before ``bookmarked``'s value, between the two, and after ``mine``."""
    key = (post.id, post_version(post), post.body, post.draft)
    parts = post_json_cache.get(key)
    if parts is None:
        text = _dumps(post_json(PostView(post)))
        head, _sep, rest = text.partition(_BOOKMARKED)
        middle, _sep, tail = rest.partition(_MINE)
        parts = (head + b',"bookmarked":', middle + b',"my_reactions":', tail)
        post_json_cache.put(key, parts)
    return parts
