"""API routes for direct messages."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.messaging import queries, services
from app.messaging.payloads import (
    Conversation,
    ConversationDetail,
    ConversationList,
    Message,
    MessageList,
    NewMessage,
    StartConversation,
    conversation_detail,
    conversation_payload,
    message_payload,
)
from app.payloads import PageQuery, page_of
from app.safety.visibility import online_for


def _conversation(conversation_id: int) -> Conversation:
    """Return one of the caller's conversations, with whom they may see online."""
    item = queries.inbox_item(conversation_id, api_user())
    return conversation_payload(item, online_for(api_user(), [p.id for p in item.participants]))


@bp.get("/conversations")
@operation(
    "Your conversations, most recent first",
    "Messages",
    {200: ("A page of conversations.", ConversationList)},
    query=PageQuery,
    auth=True,
)
def list_conversations(query: PageQuery):
    """List your conversations, most recent first."""
    page = queries.conversations_page(api_user(), limit=query.limit, cursor=query.cursor)
    online = online_for(api_user(), [p.id for item in page.items for p in item.participants])
    return page_of(ConversationList, page, lambda item: conversation_payload(item, online))


@bp.post("/conversations")
@operation(
    "Open the one-to-one conversation with someone",
    "Messages",
    {
        201: ("A new conversation.", Conversation),
        200: ("The conversation you already had.", Conversation),
    },
    body=StartConversation,
    body_description="403 when they accept messages only from people they follow.",
    errors=(404,),
    auth=True,
)
def start_conversation(body: StartConversation):
    """Open the one-to-one conversation with someone: 201 new, 200 existing."""
    conversation, created = services.start_conversation(user=api_user(), username=body.username)
    return _conversation(conversation.id), 201 if created else 200


@bp.get("/conversations/<id:conversation_id>")
@operation(
    "One of your conversations",
    "Messages",
    {200: ("The conversation, with how far the others have read it.", ConversationDetail)},
    auth=True,
)
def get_conversation(conversation_id: int):
    """Return one of your conversations, with how far the others have read it."""
    services.conversation_for(conversation_id, api_user())
    item = queries.inbox_item(conversation_id, api_user())
    online = online_for(api_user(), [p.id for p in item.participants])
    # The pages' "Seen by" mark; read_marks leaves out whoever a block stands between.
    return conversation_detail(item, online, queries.read_marks(conversation_id, api_user()))


@bp.get("/conversations/<id:conversation_id>/messages")
@operation(
    "A conversation's messages, newest first",
    "Messages",
    {200: ("A page of messages.", MessageList)},
    query=PageQuery,
    auth=True,
)
def list_messages(conversation_id: int, query: PageQuery):
    """List a conversation's messages, newest first."""
    services.conversation_for(conversation_id, api_user())
    page = queries.messages_page(conversation_id, limit=query.limit, cursor=query.cursor)
    return page_of(MessageList, page, message_payload)


@bp.post("/conversations/<id:conversation_id>/messages")
@operation(
    "Send a message",
    "Messages",
    {201: ("The stored message, also pushed live.", Message)},
    body=NewMessage,
    auth=True,
)
def send_message(conversation_id: int, body: NewMessage):
    """Send a message (1 to 5,000 characters)."""
    message = services.send_message(
        conversation_id=conversation_id, sender=api_user(), body=body.body
    )
    return message_payload(message), 201


@bp.post("/conversations/<id:conversation_id>/read")
@operation(
    "Mark a conversation read",
    "Messages",
    {204: ("Read up to its newest message.", None)},
    auth=True,
)
def read_conversation(conversation_id: int):
    """Mark a conversation read."""
    services.mark_read(conversation_id=conversation_id, user=api_user())
