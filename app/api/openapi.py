"""The OpenAPI 3.1 document of the API, and a readable page made from it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from app.api import bp
from app.web import render_page

docs_bp = Blueprint("api_docs", __name__)


def ref(name: str) -> dict[str, str]:
    """Point at a schema in the components."""
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: str, description: str = "") -> dict[str, Any]:
    """Describe a JSON request body."""
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }


def reply(description: str, schema: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """Describe a response, with a JSON body when a schema is given."""
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {
            "application/json": {"schema": ref(schema) if isinstance(schema, str) else schema}
        }
    return out


def errors(*statuses: int) -> dict[str, Any]:
    """Describe the error responses a route can give."""
    text = {
        400: "Malformed JSON, or a body that is not a JSON object.",
        401: "Missing, expired or invalid credentials.",
        403: "Not allowed.",
        404: "Not found.",
        409: "Conflicts with existing data.",
        422: "A field is invalid; `fields` says which.",
        429: "Too many requests; see `Retry-After`.",
    }
    return {str(s): reply(text[s], "Error") for s in statuses}


def op(
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    request: dict[str, Any] | None = None,
    auth: bool = False,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Describe one operation."""
    out: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if request:
        out["requestBody"] = request
    if auth:
        out["security"] = [{"bearerAuth": []}]
    if parameters:
        out["parameters"] = parameters
    return out


def string(max_length: int | None = None, **extra: Any) -> dict[str, Any]:
    """Describe a string property."""
    out: dict[str, Any] = {"type": "string", **extra}
    if max_length:
        out["maxLength"] = max_length
    return out


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": string(
                        enum=[
                            "bad_request",
                            "unauthorized",
                            "forbidden",
                            "not_found",
                            "method_not_allowed",
                            "conflict",
                            "payload_too_large",
                            "validation_error",
                            "rate_limited",
                            "internal_error",
                        ]
                    ),
                    "message": string(),
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": string()},
                    },
                },
            }
        },
    },
    "UserSummary": {
        "type": "object",
        "required": ["username", "display_name", "avatar_url"],
        "properties": {
            "username": string(30),
            "display_name": string(50),
            "avatar_url": string(),
        },
    },
    "PrivateUser": {
        "allOf": [
            ref("UserSummary"),
            {
                "type": "object",
                "required": ["email", "role", "created_at"],
                "properties": {
                    "email": string(254, format="email"),
                    "role": string(enum=["user", "moderator", "admin"]),
                    "bio": string(500),
                    "location": string(80),
                    "website": string(200),
                    "dm_policy": string(enum=["everyone", "following"]),
                    "suspended": {"type": "boolean"},
                    "created_at": string(format="date-time"),
                },
            },
        ]
    },
    "TokenPair": {
        "type": "object",
        "required": ["user", "access_token", "refresh_token", "token_type", "expires_in"],
        "properties": {
            "user": ref("PrivateUser"),
            "access_token": string(description="JWT (HS256), valid `expires_in` seconds."),
            "refresh_token": string(description="Opaque; spend it once at /auth/refresh."),
            "token_type": string(enum=["Bearer"]),
            "expires_in": {"type": "integer"},
        },
    },
    "RegisterRequest": {
        "type": "object",
        "required": ["username", "email", "password"],
        "additionalProperties": False,
        "properties": {
            "username": string(30, minLength=3, pattern="^[A-Za-z0-9_]{3,30}$"),
            "email": string(254, format="email"),
            "password": string(1024, minLength=10),
        },
    },
    "LoginRequest": {
        "type": "object",
        "required": ["login", "password"],
        "additionalProperties": False,
        "properties": {
            "login": string(254, description="Username or email address."),
            "password": string(1024),
        },
    },
    "RefreshRequest": {
        "type": "object",
        "required": ["refresh_token"],
        "additionalProperties": False,
        "properties": {"refresh_token": string()},
    },
    "ProfileUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "display_name": string(50),
            "bio": string(500),
            "location": string(80),
            "website": string(200, description="An http(s) address."),
            "dm_policy": string(enum=["everyone", "following"]),
        },
    },
}

SCHEMAS.update(
    {
        "Message": {
            "type": "object",
            "required": ["id", "conversation_id", "sender", "body", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "conversation_id": {"type": "integer"},
                "sender": ref("UserSummary"),
                "body": string(5000),
                "created_at": string(format="date-time"),
            },
        },
        "Conversation": {
            "type": "object",
            "required": ["id", "participants", "last_message", "unread_count", "updated_at"],
            "properties": {
                "id": {"type": "integer"},
                "participants": {
                    "type": "array",
                    "items": {
                        "allOf": [
                            ref("UserSummary"),
                            {"type": "object", "properties": {"online": {"type": "boolean"}}},
                        ]
                    },
                },
                "last_message": {"oneOf": [ref("Message"), {"type": "null"}]},
                "unread_count": {"type": "integer"},
                "updated_at": string(format="date-time"),
            },
        },
        "MessageList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("Message")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "ConversationList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("Conversation")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "StartConversation": {
            "type": "object",
            "required": ["username"],
            "additionalProperties": False,
            "properties": {"username": string(30)},
        },
        "NewMessage": {
            "type": "object",
            "required": ["body"],
            "additionalProperties": False,
            "properties": {"body": string(5000, minLength=1)},
        },
    }
)

LIST_PARAMS = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "description": "Items per page.",
    },
    {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string"},
        "description": "The next_cursor of the previous page.",
    },
]
CONVERSATION_ID = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}

PATHS: dict[str, Any] = {
    "/auth/register": {
        "post": op(
            "Create an account",
            "Auth",
            {"201": reply("The new account and its first tokens.", "TokenPair")}
            | errors(400, 409, 422, 429),
            request=body("RegisterRequest"),
        )
    },
    "/auth/login": {
        "post": op(
            "Sign in with a username or email",
            "Auth",
            {"200": reply("A new token pair.", "TokenPair")} | errors(400, 401, 403, 422, 429),
            request=body("LoginRequest"),
        )
    },
    "/auth/refresh": {
        "post": op(
            "Rotate a refresh token",
            "Auth",
            {"200": reply("A new pair; the token sent is now used.", "TokenPair")}
            | errors(400, 401, 422),
            request=body(
                "RefreshRequest",
                "Sending a token that was already used revokes every token of its family.",
            ),
        )
    },
    "/auth/logout": {
        "post": op(
            "Sign out one session",
            "Auth",
            {"204": reply("The token's family is revoked.")} | errors(400, 401, 422),
            request=body("RefreshRequest"),
        )
    },
    "/me": {
        "get": op(
            "Your account",
            "Me",
            {"200": reply("Your private profile.", "PrivateUser")} | errors(401),
            auth=True,
        ),
        "patch": op(
            "Change your profile",
            "Me",
            {"200": reply("Your private profile.", "PrivateUser")} | errors(400, 401, 422),
            request=body("ProfileUpdate"),
            auth=True,
        ),
    },
}


PATHS.update(
    {
        "/conversations": {
            "get": op(
                "Your conversations, most recent first",
                "Messages",
                {"200": reply("A page of conversations.", "ConversationList")}
                | errors(400, 401, 422),
                auth=True,
                parameters=LIST_PARAMS,
            ),
            "post": op(
                "Open the one-to-one conversation with someone",
                "Messages",
                {
                    "201": reply("A new conversation.", "Conversation"),
                    "200": reply("The conversation you already had.", "Conversation"),
                }
                | errors(400, 401, 403, 404, 422),
                request=body(
                    "StartConversation",
                    "403 when they accept messages only from people they follow.",
                ),
                auth=True,
            ),
        },
        "/conversations/{conversation_id}/messages": {
            "get": op(
                "A conversation's messages, newest first",
                "Messages",
                {"200": reply("A page of messages.", "MessageList")} | errors(400, 401, 404, 422),
                auth=True,
                parameters=[CONVERSATION_ID, *LIST_PARAMS],
            ),
            "post": op(
                "Send a message",
                "Messages",
                {"201": reply("The stored message, also pushed live.", "Message")}
                | errors(400, 401, 403, 404, 422),
                request=body("NewMessage"),
                auth=True,
                parameters=[CONVERSATION_ID],
            ),
        },
        "/conversations/{conversation_id}/read": {
            "post": op(
                "Mark a conversation read",
                "Messages",
                {"204": reply("Read up to its newest message.")} | errors(401, 404),
                auth=True,
                parameters=[CONVERSATION_ID],
            )
        },
    }
)

# Safety: blocks, mutes, reports (app/api/safety.py).
SCHEMAS.update(
    {
        "UserList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("UserSummary")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "NewReport": {
            "type": "object",
            "required": ["target_type", "target_id", "reason"],
            "additionalProperties": False,
            "properties": {
                "target_type": string(enum=["post", "comment", "user"]),
                "target_id": {
                    "oneOf": [{"type": "integer", "minimum": 1}, string(30)],
                    "description": "A post or comment id; for a user, their username.",
                },
                "reason": string(enum=["spam", "abuse", "off_topic", "other"]),
                "note": {"type": ["string", "null"], "maxLength": 1000},
            },
        },
        "Report": {
            "type": "object",
            "required": [
                "id",
                "target_type",
                "target_id",
                "reason",
                "note",
                "status",
                "created_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "target_type": string(enum=["post", "comment", "user"]),
                "target_id": {"type": "integer"},
                "reason": string(enum=["spam", "abuse", "off_topic", "other"]),
                "note": string(1000),
                "status": string(enum=["open", "dismissed", "removed", "suspended"]),
                "created_at": string(format="date-time"),
            },
        },
    }
)

USERNAME = {"name": "username", "in": "path", "required": True, "schema": string(30)}


def _toggle(noun: str, on: str, off: str, note: str) -> dict[str, Any]:
    """Describe a PUT/DELETE pair that switches something about a person on and off."""
    return {
        "put": op(
            on,
            "Safety",
            {"204": reply(f"{noun} (idempotent). {note}")} | errors(401, 404, 422),
            auth=True,
            parameters=[USERNAME],
        ),
        "delete": op(
            off,
            "Safety",
            {"204": reply("Undone (idempotent).")} | errors(401, 404),
            auth=True,
            parameters=[USERNAME],
        ),
    }


PATHS.update(
    {
        "/users/{username}/block": _toggle(
            "Blocked",
            "Block someone",
            "Unblock someone",
            "Follows between you end. They get 403 when following, messaging or replying to "
            "you, and 404 for your profile and posts; neither sees the other in feeds, search "
            "or notifications. Blocking yourself: 422.",
        ),
        "/users/{username}/mute": _toggle(
            "Muted",
            "Mute someone",
            "Unmute someone",
            "Their posts leave your feeds; nothing else changes and they are not told. "
            "Muting yourself: 422.",
        ),
        "/me/blocks": {
            "get": op(
                "The people you blocked, most recent first",
                "Safety",
                {"200": reply("A page of people.", "UserList")} | errors(400, 401, 422),
                auth=True,
                parameters=LIST_PARAMS,
            )
        },
        "/me/mutes": {
            "get": op(
                "The people you muted, most recent first",
                "Safety",
                {"200": reply("A page of people.", "UserList")} | errors(400, 401, 422),
                auth=True,
                parameters=LIST_PARAMS,
            )
        },
        "/reports": {
            "post": op(
                "Report a post, a comment or a person to the moderators",
                "Safety",
                {
                    "201": reply("The new report.", "Report"),
                    "200": reply(
                        "You already have an open report on this target: that one, unchanged.",
                        "Report",
                    ),
                }
                | errors(400, 401, 404, 422),
                request=body(
                    "NewReport",
                    "Unknown target: 404. Reporting yourself or your own post or comment: 422.",
                ),
                auth=True,
            )
        },
    }
)


def build_spec() -> dict[str, Any]:
    """Assemble the OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DevThread API",
            "version": "1.0.0",
            "description": (
                "The JSON API of DevThread. Errors always have the shape of `Error`. "
                "Lists take `limit` (1-100) and an opaque `cursor`."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


@bp.get("/openapi.json")
def get_openapi():
    """Serve the OpenAPI document."""
    return jsonify(build_spec())


@docs_bp.get("/api/docs")
def api_docs():
    """Show the API reference, readable without JavaScript."""
    spec = build_spec()
    operations = [
        (path, method.upper(), operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]
    tags: dict[str, list[Any]] = {}
    for path, method, operation in operations:
        tags.setdefault(operation["tags"][0], []).append((path, method, operation))
    return render_page(
        "api_docs.html",
        spec=spec,
        tags=tags,
        schemas=spec["components"]["schemas"],
        debug=current_app.debug,
    )
