"""API routes for direct messages."""

from __future__ import annotations

from flask import jsonify, request

from app.api import bp
from app.api.common import api_user, auth_required, fields, json_body
from app.api.serializers import message_json, user_summary
from app.messaging import queries, services
from app.pagination import parse_limit
from app.realtime.presence import state
from app.realtime.visibility import online_for
from app.timeutil import isoformat


def inbox_object(item, online: set[int] | None) -> dict:
    """Return the API's conversation object (``online`` None: presence unknown, shown as null)."""
    return {
        "id": item.conversation.id,
        "participants": [
            {**user_summary(p), "online": state(online, p.id)} for p in item.participants
        ],
        "last_message": message_json(item.last_message) if item.last_message else None,
        "unread_count": item.unread_count,
        "updated_at": isoformat(item.updated_at),
    }


@bp.get("/conversations")
@auth_required
def list_conversations():
    """List your conversations, most recent first."""
    page = queries.conversations_page(
        api_user(), limit=parse_limit(request.args.get("limit")), cursor=request.args.get("cursor")
    )
    online = online_for(api_user(), [p.id for item in page.items for p in item.participants])
    return jsonify(
        items=[inbox_object(item, online) for item in page.items], next_cursor=page.next_cursor
    )


@bp.post("/conversations")
@auth_required
def start_conversation():
    """Open the one-to-one conversation with someone: 201 new, 200 existing."""
    data = fields(json_body(), required=("username",))
    conversation, created = services.start_conversation(user=api_user(), username=data["username"])
    item = queries.inbox_item(conversation.id, api_user())
    online = online_for(api_user(), [p.id for p in item.participants])
    return jsonify(inbox_object(item, online)), 201 if created else 200


@bp.get("/conversations/<id:conversation_id>")
@auth_required
def get_conversation(conversation_id: int):
    """Return one of your conversations, with how far the others have read it."""
    services.conversation_for(conversation_id, api_user())
    item = queries.inbox_item(conversation_id, api_user())
    online = online_for(api_user(), [p.id for p in item.participants])
    # The pages' "Seen by" mark; read_marks leaves out whoever a block stands between.
    marks = queries.read_marks(conversation_id, api_user())
    read = {p.username: marks[p.id] for p in item.participants if p.id in marks}
    return jsonify({**inbox_object(item, online), "read_marks": read})


@bp.get("/conversations/<id:conversation_id>/messages")
@auth_required
def list_messages(conversation_id: int):
    """List a conversation's messages, newest first."""
    services.conversation_for(conversation_id, api_user())
    page = queries.messages_page(
        conversation_id,
        limit=parse_limit(request.args.get("limit")),
        cursor=request.args.get("cursor"),
    )
    return jsonify(items=[message_json(m) for m in page.items], next_cursor=page.next_cursor)


@bp.post("/conversations/<id:conversation_id>/messages")
@auth_required
def send_message(conversation_id: int):
    """Send a message (1 to 5,000 characters)."""
    data = fields(json_body(), required=("body",))
    message = services.send_message(
        conversation_id=conversation_id, sender=api_user(), body=data["body"]
    )
    return jsonify(message_json(message)), 201


@bp.post("/conversations/<id:conversation_id>/read")
@auth_required
def read_conversation(conversation_id: int):
    """Mark a conversation read."""
    services.mark_read(conversation_id=conversation_id, user=api_user())
    return "", 204
