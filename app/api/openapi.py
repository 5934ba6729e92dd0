"""The OpenAPI document's metadata; the rest is generated from the routes' declarations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from pydantic import TypeAdapter

from app.accounts.payloads import Presence, Provider, Username
from app.api import bp
from app.api.common import IdConverter
from app.api.spec import build_document
from app.messaging.payloads import ReadMark, Typing
from app.notifications.payloads import Unread
from app.payloads import Id, text
from app.posts.payloads import TAG_IN_PATH, ReactionKind
from app.web import render_page

docs_bp = Blueprint("api_docs", __name__)

PREFIX = "/api/v1"
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "DevThread API",
        "version": "1.0.0",
        "description": (
            "The JSON API of DevThread. Errors always have the shape of `Error`. Lists take"
            " `limit` (1-100) and an opaque `cursor`. A token is optional on public routes, but"
            " one that is sent must be valid (401) and its account not suspended (403)."
        ),
    },
    "servers": [{"url": PREFIX}],
    "tags": [
        {"name": "Auth", "description": "Accounts and tokens."},
        {"name": "Me", "description": "Your own account."},
        {"name": "Users", "description": "People, their profiles and follows."},
        {"name": "Posts", "description": "Posts, reactions, bookmarks and previews."},
        {"name": "Comments", "description": "Comments and replies."},
        {"name": "Feeds", "description": "Lists of posts."},
        {"name": "Tags", "description": "Tags you follow: their posts join your home feed."},
        {"name": "Search", "description": "Posts, people and tags."},
        {"name": "Notifications", "description": "What happened to you."},
        {"name": "Messages", "description": "Direct messages."},
        {"name": "Safety", "description": "Blocks, mutes and reports."},
        {"name": "Two factors", "description": "An authenticator app, recovery codes, passkeys."},
        {"name": "Your data", "description": "A copy of your data, and deleting your account."},
    ],
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
    },
}

# The socket's frames whose data no route answers with: documented under components, so that
# the SPA's types for them are generated too (notification, message and post.created frames carry
# Notification, Message and Post, which the routes document already).
FRAME_MODELS = (Unread, Typing, Presence, ReadMark)

# Path parameters by name: what they hold, and how they are described.
PATH_PARAMETERS: dict[str, tuple[Any, str]] = {
    "username": (Username, "A username, in any case."),
    "tag": (text(pattern=TAG_IN_PATH), "A tag, in any case."),
    "kind": (ReactionKind, "A reaction kind; any other is 404."),
    "post_id": (Id, "A post's id; one that does not exist is 404."),
    "comment_id": (Id, "A comment's id."),
    "conversation_id": (Id, "A conversation of yours; anyone else's is 404."),
    "session_id": (Id, "A sign-in's id."),
    "passkey_id": (Id, "A passkey's id."),
    "export_id": (Id, "One of your exports; anyone else's is 404."),
    "provider": (Provider, "An outside sign-in provider; any other is 404."),
}


def path_parameter(name: str, converter: Any) -> tuple[dict[str, Any], str]:
    """Return the schema and description of a path parameter (ids from their converter)."""
    kind, description = PATH_PARAMETERS[name]
    if isinstance(converter, IdConverter):
        kind = Id
    return TypeAdapter(kind).json_schema(), description


def document() -> dict[str, Any]:
    """Return the OpenAPI document of this app (built once per app: routes do not change)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "openapi_document" not in app.extensions:
        meta = {"document": DOCUMENT, "path_parameters": path_parameter, "models": FRAME_MODELS}
        app.extensions["openapi_document"] = build_document(app, meta, PREFIX)
    return app.extensions["openapi_document"]


@bp.get("/openapi.json")
def get_openapi():
    """Serve the OpenAPI document."""
    return jsonify(document())


@docs_bp.get("/api/docs")
def api_docs():
    """Show the API reference, readable without JavaScript."""
    spec = document()
    tags: dict[str, list[Any]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            tags.setdefault(operation["tags"][0], []).append((path, method.upper(), operation))
    return render_page(
        "api_docs.html",
        spec=spec,
        tags=tags,
        schemas=spec["components"]["schemas"],
        debug=current_app.debug,
    )
