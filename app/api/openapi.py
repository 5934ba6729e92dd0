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
        503: "The database is briefly unreachable; retry after `Retry-After` seconds.",
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
    description: str = "",
) -> dict[str, Any]:
    """Describe one operation."""
    # Any route may meet a database outage: 503 with Retry-After, in the error shape.
    responses = {**responses, **errors(503)}
    out: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        out["description"] = description
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


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Allow null besides the schema's own type."""
    return {**schema, "type": [schema["type"], "null"]}


def obj(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Describe an object with these properties, all of them listed as required."""
    return {"type": "object", "required": required, "properties": properties, **extra}


def listing(item: str) -> dict[str, Any]:
    """Describe one page of a list: its items and the cursor of the next page."""
    return obj(
        ["items", "next_cursor"],
        {
            "items": {"type": "array", "items": ref(item)},
            "next_cursor": nullable(
                string(description="Pass as `cursor` for the next page; null on the last one.")
            ),
        },
    )


def in_path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Describe a path parameter."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def in_query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Describe an optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


ID_MAX = 2**31 - 1
INTEGER_ID = {"type": "integer", "minimum": 1}
REACTION_KINDS = ["like", "love", "laugh", "insightful", "celebrate"]
TAG_NAME = string(30, pattern="^[a-z0-9_-]{1,30}$")
ONLINE = nullable(
    {
        "type": "boolean",
        "description": "Whether they have a live connection now; null while that is unknown "
        "(the presence store is briefly unreachable).",
    }
)

POST_ID = in_path("post_id", INTEGER_ID, f"A post's id (at most {ID_MAX}; others are 404).")
COMMENT_ID = in_path("comment_id", INTEGER_ID, "A comment's id.")
USERNAME = in_path(
    "username",
    string(30, minLength=1, pattern="^[A-Za-z0-9_]+$"),
    "A username, in any case.",
)
TAG = in_path("tag", string(30, minLength=1, pattern="^[A-Za-z0-9_-]+$"), "A tag, in any case.")
KIND = in_path("kind", string(enum=REACTION_KINDS), "A reaction kind; any other is 404.")
PAGE = [
    in_query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        "How many items (1-100); anything else is 422.",
    ),
    in_query(
        "cursor",
        string(),
        "The `next_cursor` of the previous page; one the server did not make is 400.",
    ),
]

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
                            "service_unavailable",
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
    "Reactions": obj(
        REACTION_KINDS,
        {kind: {"type": "integer", "minimum": 0} for kind in REACTION_KINDS},
        description="How many people reacted with each kind.",
    ),
    "Post": obj(
        [
            "id",
            "author",
            "body",
            "body_html",
            "tags",
            "created_at",
            "edited_at",
            "comments_count",
            "reactions",
            "my_reactions",
            "bookmarked",
            "url",
        ],
        {
            "id": {"type": "integer"},
            "author": ref("UserSummary"),
            "body": string(description="Markdown."),
            "body_html": string(description="Rendered, sanitized HTML with highlighted code."),
            "tags": {"type": "array", "items": TAG_NAME, "maxItems": 5},
            "created_at": string(format="date-time"),
            "edited_at": nullable(string(format="date-time")),
            "comments_count": {"type": "integer", "minimum": 0},
            "reactions": ref("Reactions"),
            "my_reactions": {
                "type": "array",
                "items": string(enum=REACTION_KINDS),
                "description": "Your reactions (empty without a token).",
            },
            "bookmarked": {"type": "boolean", "description": "Whether you saved it."},
            "url": string(description="The post's page, `/p/<id>`."),
        },
    ),
    "PostList": listing("Post"),
    "PostCreate": obj(
        ["body"],
        {
            "body": string(10_000, minLength=1, description="Markdown; `#tag` tags the post."),
            "tags": {"type": "array", "items": TAG_NAME, "maxItems": 5},
        },
        additionalProperties=False,
    ),
    "PostUpdate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "body": string(10_000, minLength=1),
            "tags": {
                "type": "array",
                "items": TAG_NAME,
                "maxItems": 5,
                "description": "Replaces the tags given before; the body's `#tags` stay.",
            },
        },
    },
    "ReactionState": obj(
        ["reactions", "my_reactions"],
        {
            "reactions": ref("Reactions"),
            "my_reactions": {"type": "array", "items": string(enum=REACTION_KINDS)},
        },
    ),
    "Comment": obj(
        [
            "id",
            "post_id",
            "parent_id",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "deleted",
        ],
        {
            "id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "parent_id": nullable({"type": "integer", "description": "The comment replied to."}),
            "author": ref("UserSummary"),
            "body": string(description="Markdown; empty once deleted."),
            "body_html": string(),
            "created_at": string(format="date-time"),
            "edited_at": nullable(string(format="date-time")),
            "deleted": {
                "type": "boolean",
                "description": "A deleted comment with replies keeps its place, without words.",
            },
            "hidden": {
                "type": "boolean",
                "description": (
                    "Only when true: by someone a block separates from you, kept as a placeholder"
                    " for the replies below it (also `deleted`, with no author or words)."
                ),
            },
        },
    ),
    "CommentList": listing("Comment"),
    "CommentCreate": obj(
        ["body"],
        {
            "body": string(5_000, minLength=1),
            "parent_id": nullable(
                {"type": "integer", "description": "Reply to this comment of the same post."}
            ),
        },
        additionalProperties=False,
    ),
    "CommentUpdate": obj(
        ["body"], {"body": string(5_000, minLength=1)}, additionalProperties=False
    ),
    "UserProfile": {
        "allOf": [
            ref("UserSummary"),
            obj(
                [
                    "bio",
                    "location",
                    "website",
                    "created_at",
                    "followers_count",
                    "following_count",
                    "posts_count",
                    "online",
                    "is_following",
                    "follows_you",
                ],
                {
                    "bio": string(),
                    "location": string(),
                    "website": string(),
                    "created_at": string(format="date-time"),
                    "followers_count": {"type": "integer", "minimum": 0},
                    "following_count": {"type": "integer", "minimum": 0},
                    "posts_count": {"type": "integer", "minimum": 0},
                    "online": ONLINE,
                    "is_following": {"type": "boolean", "description": "You follow them."},
                    "follows_you": {"type": "boolean", "description": "They follow you."},
                },
            ),
        ]
    },
    "UserListItem": {
        "allOf": [
            ref("UserSummary"),
            obj(
                ["bio", "is_following"],
                {"bio": string(), "is_following": {"type": "boolean"}},
            ),
        ]
    },
    "UserList": listing("UserListItem"),
    "Tag": obj(
        ["name", "posts_count"],
        {"name": TAG_NAME, "posts_count": {"type": "integer", "minimum": 0}},
    ),
    "TagList": listing("Tag"),
    "SearchResults": {
        "description": "A PostList, UserList or TagList, as `type` asked.",
        "anyOf": [ref("PostList"), ref("UserList"), ref("TagList")],
    },
    "Notification": obj(
        ["id", "type", "actor", "post_id", "comment_id", "conversation_id", "created_at", "read"],
        {
            "id": {"type": "integer"},
            "type": string(
                enum=["follow", "reaction", "comment", "reply", "mention", "message", "removed"],
                description="`removed`: the moderators (the actor) took down what you wrote.",
            ),
            "actor": ref("UserSummary"),
            "post_id": nullable({"type": "integer"}),
            "comment_id": nullable({"type": "integer"}),
            "conversation_id": nullable({"type": "integer"}),
            "created_at": string(format="date-time"),
            "read": {"type": "boolean"},
            "target_type": string(
                enum=["post", "comment", "content"],
                description="Only on `removed`: a post, a comment, or everything you wrote.",
            ),
            "reason": nullable(string(description="Only on `removed`: the moderators' reason.")),
        },
    ),
    "NotificationList": listing("Notification"),
    "UnreadCount": obj(["count"], {"count": {"type": "integer", "minimum": 0}}),
    "MarkRead": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "ids": {
                "type": "array",
                "items": {"type": "integer"},
                "maxItems": 100,
                "description": "The notifications to mark read; without it, all of them.",
            }
        },
    },
    "MarkdownPreviewRequest": obj(
        ["body"], {"body": string(10_000, minLength=1)}, additionalProperties=False
    ),
    "MarkdownPreview": obj(["html"], {"html": string(description="As `body_html` would be.")}),
    "Session": obj(
        ["id", "kind", "created_at", "last_seen_at", "user_agent", "current"],
        {
            "id": {"type": "integer"},
            "kind": string(
                enum=["browser", "api"],
                description="`browser`: a signed-in browser; `api`: one API sign-in (a refresh "
                "token and its rotations).",
            ),
            "created_at": string(format="date-time"),
            "last_seen_at": string(
                format="date-time", description="Last use, written at most every few minutes."
            ),
            "user_agent": string(300, description="The User-Agent it signed in with."),
            "current": {"type": "boolean", "description": "The sign-in this request came with."},
        },
    ),
    "SessionList": listing("Session"),
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
                            {"type": "object", "properties": {"online": ONLINE}},
                        ]
                    },
                },
                "last_message": {"oneOf": [ref("Message"), {"type": "null"}]},
                "unread_count": {"type": "integer"},
                "updated_at": string(format="date-time"),
                "read_marks": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                    "description": "GET /conversations/{id} only: by username, the id of the "
                    "newest message each other member had seen when they last read it (0: "
                    "never), nobody across a block; `read` frames bring the changes.",
                },
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
            {
                "204": reply(
                    "The token's sign-in ends: its refresh tokens, its access tokens and its "
                    "sockets stop working at once."
                )
            }
            | errors(400, 401, 422),
            request=body("RefreshRequest"),
        )
    },
    "/auth/logout_all": {
        "post": op(
            "Sign out everywhere",
            "Auth",
            {"204": reply("Every token, browser session and socket of yours is ended.")}
            | errors(401, 403),
            auth=True,
        )
    },
    "/me": {
        "get": op(
            "Your account",
            "Me",
            {"200": reply("Your private profile.", "PrivateUser")} | errors(401, 403),
            auth=True,
        ),
        "patch": op(
            "Change your profile",
            "Me",
            {"200": reply("Your private profile.", "PrivateUser")} | errors(400, 401, 403, 422),
            request=body("ProfileUpdate"),
            auth=True,
        ),
    },
    "/me/sessions": {
        "get": op(
            "Where you are signed in, newest first",
            "Me",
            {"200": reply("A page of your browser and API sign-ins.", "SessionList")}
            | errors(400, 401, 403, 422),
            auth=True,
            parameters=PAGE,
        )
    },
    "/me/sessions/{session_id}": {
        "delete": op(
            "Sign out one browser or API sign-in",
            "Me",
            {
                "204": reply(
                    "It ends at once: its cookies, tokens and sockets (closed with code 4401) "
                    "stop working. Your current one may be ended too."
                )
            }
            | errors(401, 403, 404),
            auth=True,
            parameters=[
                in_path(
                    "session_id",
                    INTEGER_ID,
                    "A sign-in's id from `GET /me/sessions`; another person's is 404.",
                )
            ],
        )
    },
}

TRENDING = (
    "Posts of the last 7 days ranked by `(1 + reactions + 2 * comments) / (age_hours + 2) ^ 1.8`"
    " (Hacker News' gravity), highest first. The ranking is recomputed at most once a minute and"
    " a walk through its pages stays on the ranking it started on, so no post is skipped or"
    " repeated while scores change."
)
# A token is optional on public routes, but one that is sent must be valid (401) and its
# account not suspended (403).
READ = (401, 403, 404)
LIST = (400, 401, 403, 422)
WRITE = (400, 401, 403, 404, 422)


def post_list(summary: str, tag: str, **extra: Any) -> dict[str, Any]:
    """Describe a route that returns a page of posts."""
    parameters = extra.pop("parameters", []) + PAGE
    statuses = extra.pop("statuses", LIST)
    return op(
        summary,
        tag,
        {"200": reply("One page of posts.", "PostList")} | errors(*statuses),
        parameters=parameters,
        **extra,
    )


PATHS.update(
    {
        "/users/{username}": {
            "get": op(
                "A person's public profile",
                "Users",
                {"200": reply("The profile, with how you and they stand.", "UserProfile")}
                | errors(*READ),
                parameters=[USERNAME],
            )
        },
        "/users/{username}/follow": {
            "put": op(
                "Follow someone (idempotent)",
                "Users",
                {"204": reply("You follow them.")} | errors(401, 403, 404, 422),
                parameters=[USERNAME],
                auth=True,
                description="Following yourself is 422.",
            ),
            "delete": op(
                "Stop following someone (idempotent)",
                "Users",
                {"204": reply("You do not follow them.")} | errors(401, 403, 404),
                parameters=[USERNAME],
                auth=True,
            ),
        },
        "/users/{username}/followers": {
            "get": op(
                "The people who follow someone, most recent first",
                "Users",
                {"200": reply("One page of people.", "UserList")} | errors(*LIST, 404),
                parameters=[USERNAME, *PAGE],
            )
        },
        "/users/{username}/following": {
            "get": op(
                "The people someone follows, most recent first",
                "Users",
                {"200": reply("One page of people.", "UserList")} | errors(*LIST, 404),
                parameters=[USERNAME, *PAGE],
            )
        },
        "/users/{username}/posts": {
            "get": post_list(
                "Someone's posts, newest first",
                "Users",
                parameters=[USERNAME],
                statuses=(*LIST, 404),
            )
        },
        "/posts": {
            "post": op(
                "Publish a post",
                "Posts",
                {"201": reply("The new post.", "Post")} | errors(400, 401, 403, 422),
                request=body("PostCreate", "`tags` and the body's `#tags` together: at most 5."),
                auth=True,
            )
        },
        "/posts/{post_id}": {
            "get": op(
                "A post",
                "Posts",
                {"200": reply("The post.", "Post")} | errors(*READ),
                parameters=[POST_ID],
            ),
            "patch": op(
                "Edit your post",
                "Posts",
                {"200": reply("The post, with `edited_at` set.", "Post")} | errors(*WRITE),
                request=body("PostUpdate", "Only its author may; send `body`, `tags` or both."),
                parameters=[POST_ID],
                auth=True,
            ),
            "delete": op(
                "Delete a post",
                "Posts",
                {"204": reply("Deleted.")} | errors(401, 403, 404),
                parameters=[POST_ID],
                auth=True,
                description="Its author, a moderator or an admin may.",
            ),
        },
        "/posts/{post_id}/reactions/{kind}": {
            "put": op(
                "React to a post (idempotent)",
                "Posts",
                {"200": reply("The post's reactions now.", "ReactionState")}
                | errors(401, 403, 404),
                parameters=[POST_ID, KIND],
                auth=True,
                description="The author is notified once per person and post, however often.",
            ),
            "delete": op(
                "Take a reaction back (idempotent)",
                "Posts",
                {"200": reply("The post's reactions now.", "ReactionState")}
                | errors(401, 403, 404),
                parameters=[POST_ID, KIND],
                auth=True,
            ),
        },
        "/posts/{post_id}/bookmark": {
            "put": op(
                "Save a post (idempotent)",
                "Posts",
                {"204": reply("Saved.")} | errors(401, 403, 404),
                parameters=[POST_ID],
                auth=True,
            ),
            "delete": op(
                "Forget a saved post (idempotent)",
                "Posts",
                {"204": reply("Not saved.")} | errors(401, 403, 404),
                parameters=[POST_ID],
                auth=True,
            ),
        },
        "/bookmarks": {
            "get": post_list("The posts you saved, newest bookmark first", "Posts", auth=True)
        },
        "/posts/{post_id}/comments": {
            "get": op(
                "A post's comments, oldest first",
                "Comments",
                {"200": reply("One page of comments.", "CommentList")} | errors(*LIST, 404),
                parameters=[POST_ID, *PAGE],
            ),
            "post": op(
                "Comment on a post, or reply to one of its comments",
                "Comments",
                {"201": reply("The new comment.", "Comment")} | errors(*WRITE),
                request=body("CommentCreate", "`parent_id` must be a comment of this post."),
                parameters=[POST_ID],
                auth=True,
            ),
        },
        "/comments/{comment_id}": {
            "patch": op(
                "Edit your comment",
                "Comments",
                {"200": reply("The comment.", "Comment")} | errors(*WRITE),
                request=body("CommentUpdate", "Only its author may."),
                parameters=[COMMENT_ID],
                auth=True,
            ),
            "delete": op(
                "Delete a comment",
                "Comments",
                {"204": reply("Deleted.")} | errors(401, 403, 404),
                parameters=[COMMENT_ID],
                auth=True,
                description="Its author, a moderator or an admin may.",
            ),
        },
        "/markdown/preview": {
            "post": op(
                "Render a draft as a post would show it",
                "Posts",
                {"200": reply("The HTML; nothing is stored.", "MarkdownPreview")}
                | errors(400, 401, 403, 422, 429),
                request=body("MarkdownPreviewRequest", "The same rules as a post's body."),
                auth=True,
            )
        },
        "/feed/home": {
            "get": post_list(
                "Posts by the people you follow and yourself, newest first", "Feeds", auth=True
            )
        },
        "/feed/latest": {"get": post_list("Every post, newest first", "Feeds")},
        "/feed/trending": {
            "get": post_list(
                "Posts ranked by engagement decayed by age", "Feeds", description=TRENDING
            )
        },
        "/tags/{tag}/posts": {
            "get": post_list(
                "The posts with a tag, newest first",
                "Feeds",
                parameters=[TAG],
                statuses=(*LIST, 404),
            )
        },
        "/search": {
            "get": op(
                "Search posts, people or tags, best match first",
                "Search",
                {"200": reply("A PostList, UserList or TagList.", "SearchResults")}
                | errors(*LIST, 429),
                parameters=[
                    in_query(
                        "q",
                        string(),
                        'Words, "phrases in quotes" and -excluded words (posts); a name or tag'
                        " prefix (users, tags). Missing or blank: an empty list.",
                    ),
                    in_query(
                        "type",
                        string(enum=["posts", "users", "tags"], default="posts"),
                        "What to look for; any other value is 422.",
                    ),
                    *PAGE,
                ],
                description=(
                    "Posts: full text, tags weigh more than the body. People: username or"
                    " display name prefix, most followed first. Tags: name prefix, most used first."
                    " Searches have a budget of their own (`SEARCH_LIMIT`), shared with the page."
                ),
            )
        },
        "/notifications": {
            "get": op(
                "Your notifications, newest first",
                "Notifications",
                {"200": reply("One page of notifications.", "NotificationList")} | errors(*LIST),
                parameters=PAGE,
                auth=True,
            )
        },
        "/notifications/unread_count": {
            "get": op(
                "How many notifications you have not read",
                "Notifications",
                {"200": reply("The count.", "UnreadCount")} | errors(401, 403),
                auth=True,
            )
        },
        "/notifications/read": {
            "post": op(
                "Mark notifications read",
                "Notifications",
                {"204": reply("Marked.")} | errors(400, 401, 403, 422),
                request={
                    **body("MarkRead", "No body, or no `ids`: mark all of them read."),
                    "required": False,
                },
                auth=True,
            )
        },
    }
)


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
        "/conversations/{conversation_id}": {
            "get": op(
                "One of your conversations",
                "Messages",
                {"200": reply("The conversation.", "Conversation")} | errors(401, 404),
                auth=True,
                parameters=[CONVERSATION_ID],
            )
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
