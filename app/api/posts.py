"""API routes for posts: write, read, edit, delete, react, bookmark, preview."""

from __future__ import annotations

from app.admin import services as moderation
from app.admin.payloads import RemovalQuery
from app.api import bp
from app.api.common import api_user, api_viewer
from app.api.spec import operation
from app.payloads import PageQuery
from app.posts import queries, services
from app.posts.payloads import (
    MarkdownPreview,
    MarkdownPreviewRequest,
    Post,
    PostCreate,
    PostList,
    PostUpdate,
    ReactionState,
    RevisionList,
    post_page,
    post_payload,
    reaction_state,
    revision_page,
)
from app.ratelimits import preview_limit


@bp.post("/posts")
@operation(
    "Publish a post, or save a draft",
    "Posts",
    {201: ("The new post (or draft, `draft: true`).", Post)},
    body=PostCreate,
    body_description="`tags` and the body's `#tags` together: at most 5. With `draft: true` "
    "it is seen by you alone, in no feed, and nobody is notified until it is published.",
    auth=True,
)
def create_post(body: PostCreate):
    """Publish a post, or keep it as a draft."""
    post = services.create_post(
        author=api_user(), body=body.body, tags=body.tags, draft=bool(body.draft)
    )
    return post_payload(queries.view_of(post, api_user())), 201


@bp.get("/posts/<id:post_id>")
@operation("A post", "Posts", {200: ("The post (your own draft too).", Post)})
def get_post(post_id: int):
    """Return one post (a draft only to its author)."""
    post = services.get_post_or_404(post_id, viewer=api_viewer(), drafts=True)
    return post_payload(queries.view_of(post, api_viewer()))


@bp.post("/posts/<id:post_id>/publish")
@operation(
    "Publish your draft",
    "Posts",
    {200: ("The post, now in the feeds; its time is now.", Post)},
    auth=True,
    description="Mentions are notified and followers see it live only now. Publishing a "
    "published post of yours changes nothing. Someone else's draft is 404.",
)
def publish_post(post_id: int):
    """Publish a draft: it lands at the top of the feeds."""
    post = services.publish_post(post_id=post_id, author=api_user())
    return post_payload(queries.view_of(post, api_user()))


@bp.get("/me/drafts")
@operation(
    "Your drafts, newest first",
    "Posts",
    {200: ("One page of drafts.", PostList)},
    query=PageQuery,
    auth=True,
)
def list_drafts(query: PageQuery):
    """Return your drafts, newest first."""
    return post_page(queries.drafts_page(api_user(), limit=query.limit, cursor=query.cursor))


@bp.get("/posts/<id:post_id>/revisions")
@operation(
    "A post's edit history, newest first",
    "Posts",
    {200: ("The bodies its edits replaced.", RevisionList)},
    query=PageQuery,
    description="Public like the post. Each item is a body as it was, and when it was written.",
)
def list_revisions(post_id: int, query: PageQuery):
    """Return the bodies a post's edits replaced, newest first."""
    post = services.get_post_or_404(post_id, viewer=api_viewer())
    return revision_page(queries.revisions_page(post.id, limit=query.limit, cursor=query.cursor))


@bp.put("/posts/<id:post_id>/pin")
@operation(
    "Pin your post to your profile (idempotent)",
    "Posts",
    {204: ("Pinned.", None)},
    errors=(409,),
    auth=True,
    description="At most 3 pinned posts: pinning a fourth is 409.",
)
def pin_post(post_id: int):
    """Pin a post to the top of your profile."""
    services.pin_post(post_id=post_id, author=api_user())


@bp.delete("/posts/<id:post_id>/pin")
@operation("Unpin your post (idempotent)", "Posts", {204: ("Not pinned.", None)}, auth=True)
def unpin_post(post_id: int):
    """Take a post off the top of your profile."""
    services.unpin_post(post_id=post_id, author=api_user())


@bp.patch("/posts/<id:post_id>")
@operation(
    "Edit your post",
    "Posts",
    {200: ("The post, with `edited_at` set.", Post)},
    body=PostUpdate,
    body_description="Only its author may; send `body`, `tags` or both.",
    auth=True,
)
def edit_post(post_id: int, body: PostUpdate):
    """Change a post's body and/or tags (its author only)."""
    post = services.edit_post(post_id=post_id, editor=api_user(), body=body.body, tags=body.tags)
    return post_payload(queries.view_of(post, api_user()))


@bp.delete("/posts/<id:post_id>")
@operation(
    "Delete a post",
    "Posts",
    {204: ("Deleted.", None)},
    query=RemovalQuery,
    auth=True,
    description="Its author, a moderator or an admin may.",
)
def delete_post(post_id: int, query: RemovalQuery):
    """Delete a post (its author, a moderator or an admin)."""
    moderation.delete_post_as(actor=api_user(), post_id=post_id, reason=query.reason)


@bp.put("/posts/<id:post_id>/reactions/<kind>")
@operation(
    "React to a post (idempotent)",
    "Posts",
    {200: ("The post's reactions now.", ReactionState)},
    auth=True,
    description="The author is notified once per person and post, however often.",
)
def add_reaction(post_id: int, kind: str):
    """React to a post (idempotent)."""
    post = services.react(post_id=post_id, user=api_user(), kind=kind)
    return reaction_state(queries.view_of(post, api_user()))


@bp.delete("/posts/<id:post_id>/reactions/<kind>")
@operation(
    "Take a reaction back (idempotent)",
    "Posts",
    {200: ("The post's reactions now.", ReactionState)},
    auth=True,
)
def remove_reaction(post_id: int, kind: str):
    """Take a reaction back (idempotent)."""
    post = services.unreact(post_id=post_id, user=api_user(), kind=kind)
    return reaction_state(queries.view_of(post, api_user()))


@bp.put("/posts/<id:post_id>/bookmark")
@operation("Save a post (idempotent)", "Posts", {204: ("Saved.", None)}, auth=True)
def add_bookmark(post_id: int):
    """Save a post for later (idempotent)."""
    services.bookmark(post_id=post_id, user=api_user())


@bp.delete("/posts/<id:post_id>/bookmark")
@operation("Forget a saved post (idempotent)", "Posts", {204: ("Not saved.", None)}, auth=True)
def remove_bookmark(post_id: int):
    """Forget a saved post (idempotent)."""
    services.unbookmark(post_id=post_id, user=api_user())


@bp.get("/bookmarks")
@operation(
    "The posts you saved, newest bookmark first",
    "Posts",
    {200: ("One page of posts.", PostList)},
    query=PageQuery,
    auth=True,
)
def list_bookmarks(query: PageQuery):
    """Return the posts you saved, newest bookmark first."""
    return post_page(queries.bookmarks_page(api_user(), limit=query.limit, cursor=query.cursor))


@bp.post("/markdown/preview")
@preview_limit
@operation(
    "Render a draft as a post would show it",
    "Posts",
    {200: ("The HTML; nothing is stored.", MarkdownPreview)},
    body=MarkdownPreviewRequest,
    body_description="The same rules as a post's body.",
    auth=True,
)
def preview_markdown(body: MarkdownPreviewRequest):
    """Render a draft as a post would show it, without saving it."""
    return MarkdownPreview(html=services.preview(body=body.body))
