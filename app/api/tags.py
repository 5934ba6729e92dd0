"""API routes for followed tags: follow, unfollow, and the list of yours."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_user, api_viewer
from app.api.spec import operation
from app.payloads import PageQuery, page_of
from app.tags import queries, services
from app.tags.payloads import FollowedTagList, TagInfo, followed_tag

TAG_PATH = {"tag": "A tag's name (any case)."}


@bp.get("/tags/<tag>")
@operation(
    "A tag: its posts count, and whether you follow it",
    "Tags",
    {200: ("The tag.", TagInfo)},
    path=TAG_PATH,
    description="A name no post carries is 404.",
)
def get_tag(tag: str):
    """Return a tag, and whether you follow it."""
    found = queries.existing_tag(tag)
    viewer = api_viewer()
    following = queries.is_following(viewer.id if viewer else None, found.id)
    return TagInfo(name=found.name, posts_count=found.posts_count, following=following)


@bp.put("/tags/<tag>/follow")
@operation(
    "Follow a tag (idempotent)",
    "Tags",
    {204: ("You follow it: its posts join your home feed.", None)},
    auth=True,
    path=TAG_PATH,
    description="Only tags that posts carry: any other name is 404.",
)
def follow_tag(tag: str):
    """Follow a tag (idempotent)."""
    services.follow_tag(user_id=api_user().id, name=tag)


@bp.delete("/tags/<tag>/follow")
@operation(
    "Stop following a tag (idempotent)",
    "Tags",
    {204: ("You do not follow it.", None)},
    auth=True,
    path=TAG_PATH,
)
def unfollow_tag(tag: str):
    """Stop following a tag (idempotent)."""
    services.unfollow_tag(user_id=api_user().id, name=tag)


@bp.get("/me/tags")
@operation(
    "The tags you follow, the latest followed first",
    "Tags",
    {200: ("One page of tags.", FollowedTagList)},
    query=PageQuery,
    auth=True,
)
def list_followed_tags(query: PageQuery):
    """Return the tags you follow, the latest followed first."""
    page = queries.followed_tags(api_user().id, limit=query.limit, cursor=query.cursor)
    return page_of(FollowedTagList, page, followed_tag)
