"""API routes for comments: list, write, edit, delete."""

from __future__ import annotations

from flask import jsonify, request

from app.admin import services as moderation
from app.api import bp
from app.api.common import (
    api_user,
    api_viewer,
    auth_required,
    json_body,
    page_params,
    typed_fields,
)
from app.api.serializers import comment_json, comment_view_json, page_json
from app.posts import queries, services


@bp.get("/posts/<id:post_id>/comments")
def list_comments(post_id: int):
    """Return a post's comments, oldest first."""
    limit, cursor = page_params()
    post = services.get_post_or_404(post_id, viewer=api_viewer())
    page = queries.comments_page(post.id, limit=limit, cursor=cursor, viewer=api_viewer())
    return jsonify(page_json(page, comment_view_json))


@bp.post("/posts/<id:post_id>/comments")
@auth_required
def create_comment(post_id: int):
    """Comment on a post, or reply to one of its comments."""
    data = typed_fields(json_body(), required={"body": str}, optional={"parent_id": int})
    comment = services.add_comment(post_id=post_id, author=api_user(), **data)
    return jsonify(comment_json(comment)), 201


@bp.patch("/comments/<id:comment_id>")
@auth_required
def edit_comment(comment_id: int):
    """Change a comment's words (its author only)."""
    data = typed_fields(json_body(), required={"body": str})
    comment = services.edit_comment(comment_id=comment_id, editor=api_user(), body=data["body"])
    return jsonify(comment_json(comment))


@bp.delete("/comments/<id:comment_id>")
@auth_required
def delete_comment(comment_id: int):
    """Delete a comment (its author, a moderator or an admin)."""
    moderation.delete_comment_as(
        actor=api_user(), comment_id=comment_id, reason=request.args.get("reason")
    )
    return "", 204
