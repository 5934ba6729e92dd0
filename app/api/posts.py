"""API routes for posts: write, read, edit, delete, react, bookmark, preview."""

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
from app.api.serializers import page_json, post_json, reactions_json
from app.posts import queries, services
from app.ratelimits import preview_limit


@bp.post("/posts")
@auth_required
def create_post():
    """Publish a post."""
    data = typed_fields(json_body(), required={"body": str}, optional={"tags": list[str]})
    post = services.create_post(author=api_user(), **data)
    return jsonify(post_json(queries.view_of(post, api_user()))), 201


@bp.get("/posts/<id:post_id>")
def get_post(post_id: int):
    """Return one post."""
    post = services.get_post_or_404(post_id, viewer=api_viewer())
    return jsonify(post_json(queries.view_of(post, api_viewer())))


@bp.patch("/posts/<id:post_id>")
@auth_required
def edit_post(post_id: int):
    """Change a post's body and/or tags (its author only)."""
    data = typed_fields(json_body(), optional={"body": str, "tags": list[str]})
    post = services.edit_post(post_id=post_id, editor=api_user(), **data)
    return jsonify(post_json(queries.view_of(post, api_user())))


@bp.delete("/posts/<id:post_id>")
@auth_required
def delete_post(post_id: int):
    """Delete a post (its author, a moderator or an admin)."""
    moderation.delete_post_as(actor=api_user(), post_id=post_id, reason=request.args.get("reason"))
    return "", 204


@bp.put("/posts/<id:post_id>/reactions/<kind>")
@auth_required
def add_reaction(post_id: int, kind: str):
    """React to a post (idempotent)."""
    post = services.react(post_id=post_id, user=api_user(), kind=kind)
    return jsonify(reactions_json(queries.view_of(post, api_user())))


@bp.delete("/posts/<id:post_id>/reactions/<kind>")
@auth_required
def remove_reaction(post_id: int, kind: str):
    """Take a reaction back (idempotent)."""
    post = services.unreact(post_id=post_id, user=api_user(), kind=kind)
    return jsonify(reactions_json(queries.view_of(post, api_user())))


@bp.put("/posts/<id:post_id>/bookmark")
@auth_required
def add_bookmark(post_id: int):
    """Save a post for later (idempotent)."""
    services.bookmark(post_id=post_id, user=api_user())
    return "", 204


@bp.delete("/posts/<id:post_id>/bookmark")
@auth_required
def remove_bookmark(post_id: int):
    """Forget a saved post (idempotent)."""
    services.unbookmark(post_id=post_id, user=api_user())
    return "", 204


@bp.get("/bookmarks")
@auth_required
def list_bookmarks():
    """Return the posts you saved, newest bookmark first."""
    limit, cursor = page_params()
    page = queries.bookmarks_page(api_user(), limit=limit, cursor=cursor)
    return jsonify(page_json(page, post_json))


@bp.post("/markdown/preview")
@preview_limit
@auth_required
def preview_markdown():
    """Render a draft as a post would show it, without saving it."""
    data = typed_fields(json_body(), required={"body": str})
    return jsonify(html=services.preview(body=data["body"]))
