"""Direct messages and conversations as payloads, and the socket frames about them."""

from __future__ import annotations

from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import Field

from app.accounts.models import User
from app.accounts.payloads import Username, UserSummary, summary_fields, user_summary
from app.messaging import rules
from app.messaging.models import Message as MessageRow
from app.messaging.queries import Inbox
from app.payloads import Count, Id, ItemsPage, Payload, Request, Time, text
from app.posts.rules import BODY_PATTERN
from app.social.payloads import Online
from app.timeutil import isoformat


class Message(Payload):
    """A direct message."""

    id: Id
    conversation_id: Id
    sender: UserSummary
    body: str
    created_at: Time


class MessageList(ItemsPage[Message]):
    """A page of messages."""


class Participant(UserSummary):
    """A member of a conversation, and whether you may see them online."""

    online: Online


class Conversation(Payload):
    """A conversation as one member sees it."""

    id: Id
    participants: list[Participant]
    last_message: Message | None
    unread_count: Count
    updated_at: Time


class ConversationDetail(Conversation):
    """One conversation, with how far the other members have read it."""

    read_marks: Annotated[
        dict[str, Annotated[int, Field(ge=0)]],
        Field(
            description="By username, the id of the newest message each other member had seen "
            "when they last read it (0: never); nobody across a block. `read` frames bring the "
            "changes."
        ),
    ]


class ConversationList(ItemsPage[Conversation]):
    """A page of conversations."""


class StartConversation(Request):
    """Whom to talk with."""

    username: Username  # type: ignore[valid-type]


class NewMessage(Request):
    """A message to send."""

    body: text(  # type: ignore[valid-type]
        rules.BODY_MAX,
        pattern=BODY_PATTERN,
        hint=_l("Write a message first (and no NUL characters)."),
    )


class Typing(Payload):
    """A socket's ``typing`` frame: someone in a conversation is writing."""

    conversation_id: Id
    username: str


class ReadMark(Payload):
    """A socket's ``read`` frame: a conversation partner read up to a message."""

    conversation_id: Id
    username: str
    last_read_message_id: Annotated[int, Field(ge=0)]


def message_payload(message: MessageRow) -> Message:
    """Return a direct message."""
    return Message(
        id=message.id,
        conversation_id=message.conversation_id,
        sender=user_summary(message.sender),
        body=message.body,
        created_at=isoformat(message.created_at),
    )


def conversation_payload(item: Inbox, online: set[int] | None) -> Conversation:
    """Return a conversation (``online`` None: presence unknown, shown as null)."""
    return Conversation(
        id=item.conversation.id,
        participants=[
            Participant(**summary_fields(p), online=None if online is None else p.id in online)
            for p in item.participants
        ],
        last_message=message_payload(item.last_message) if item.last_message else None,
        unread_count=item.unread_count,
        updated_at=isoformat(item.updated_at),
    )


def conversation_detail(
    item: Inbox, online: set[int] | None, marks: dict[int, int]
) -> ConversationDetail:
    """Return a conversation with its read marks (``marks``: by member id, what they read)."""
    return ConversationDetail(
        **conversation_payload(item, online).model_dump(),
        read_marks={p.username: marks[p.id] for p in item.participants if p.id in marks},
    )


def typing_payload(conversation_id: int, user: User) -> Typing:
    """Return the ``typing`` frame about ``user``."""
    return Typing(conversation_id=conversation_id, username=user.username)
