"""API routes for comments: list, write, edit, delete."""

from __future__ import annotations

from app.admin import services as moderation
from app.admin.payloads import RemovalQuery
from app.api import bp
from app.api.common import api_user, api_viewer
from app.api.spec import operation
from app.payloads import PageQuery, page_of
from app.posts import queries, services
from app.posts.payloads import (
    Comment,
    CommentCreate,
    CommentList,
    CommentUpdate,
    comment_payload,
    comment_view_payload,
)


@bp.get("/posts/<id:post_id>/comments")
@operation(
    "A post's comments, oldest first",
    "Comments",
    {200: ("One page of comments.", CommentList)},
    query=PageQuery,
)
def list_comments(post_id: int, query: PageQuery):
    """Return a post's comments, oldest first."""
    post = services.get_post_or_404(post_id, viewer=api_viewer())
    page = queries.comments_page(
        post.id, limit=query.limit, cursor=query.cursor, viewer=api_viewer()
    )
    return page_of(CommentList, page, comment_view_payload)


@bp.post("/posts/<id:post_id>/comments")
@operation(
    "Comment on a post, or reply to one of its comments",
    "Comments",
    {201: ("The new comment.", Comment)},
    body=CommentCreate,
    body_description="`parent_id` must be a comment of this post.",
    auth=True,
)
def create_comment(post_id: int, body: CommentCreate):
    """Comment on a post, or reply to one of its comments."""
    comment = services.add_comment(
        post_id=post_id, author=api_user(), body=body.body, parent_id=body.parent_id
    )
    return comment_payload(comment), 201


@bp.patch("/comments/<id:comment_id>")
@operation(
    "Edit your comment",
    "Comments",
    {200: ("The comment.", Comment)},
    body=CommentUpdate,
    body_description="Only its author may.",
    auth=True,
)
def edit_comment(comment_id: int, body: CommentUpdate):
    """Change a comment's words (its author only)."""
    comment = services.edit_comment(comment_id=comment_id, editor=api_user(), body=body.body)
    return comment_payload(comment)


@bp.delete("/comments/<id:comment_id>")
@operation(
    "Delete a comment",
    "Comments",
    {204: ("Deleted.", None)},
    query=RemovalQuery,
    auth=True,
    description="Its author, a moderator or an admin may.",
)
def delete_comment(comment_id: int, query: RemovalQuery):
    """Delete a comment (its author, a moderator or an admin)."""
    moderation.delete_comment_as(actor=api_user(), comment_id=comment_id, reason=query.reason)
