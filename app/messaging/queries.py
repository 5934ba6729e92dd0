"""Reads of conversations and messages, in a fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, func, select

from app.accounts.models import User
from app.extensions import db
from app.messaging.models import Conversation, ConversationMember, Message
from app.pagination import Page, keyset_page
from app.safety.queries import not_hidden


@dataclass
class Inbox:
    """A conversation as one member sees it in their list."""

    conversation: Conversation
    participants: list[User] = field(default_factory=list)
    last_message: Message | None = None
    unread_count: int = 0
    updated_at: datetime | None = None


def conversations_page(
    user: User, *, limit: int, cursor: str | None, only: int | None = None
) -> Page[Inbox]:
    """Return the user's conversations, most recent first (four queries whatever the page size)."""
    query = (
        select(
            Conversation,
            ConversationMember.last_activity_at,
            ConversationMember.last_read_message_id,
        )
        .join(ConversationMember, ConversationMember.conversation_id == Conversation.id)
        .where(ConversationMember.user_id == user.id)
    )
    if only is not None:
        query = query.where(Conversation.id == only)
    page = keyset_page(
        query,
        key=(ConversationMember.last_activity_at, ConversationMember.conversation_id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row[1], row[0].id),
    )
    ids = [row[0].id for row in page.items]
    items = {row[0].id: Inbox(row[0], updated_at=row[1]) for row in page.items}
    if ids:
        for member in db.session.scalars(
            select(ConversationMember).where(
                ConversationMember.conversation_id.in_(ids), ConversationMember.user_id != user.id
            )
        ):
            items[member.conversation_id].participants.append(member.user)
        newest = (
            select(func.max(Message.id))
            .where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
        )
        for message in db.session.scalars(select(Message).where(Message.id.in_(newest))):
            items[message.conversation_id].last_message = message
        counts = db.session.execute(
            select(Message.conversation_id, func.count())
            .join(
                ConversationMember,
                and_(
                    ConversationMember.conversation_id == Message.conversation_id,
                    ConversationMember.user_id == user.id,
                ),
            )
            .where(
                Message.conversation_id.in_(ids),
                Message.sender_id != user.id,
                Message.id > ConversationMember.last_read_message_id,
            )
            .group_by(Message.conversation_id)
        ).all()
        for conversation_id, count in counts:
            items[conversation_id].unread_count = count
    return page.with_items([items[i] for i in ids])


def inbox_item(conversation_id: int, user: User) -> Inbox | None:
    """Return one conversation as the user's list shows it."""
    page = conversations_page(user, limit=1, cursor=None, only=conversation_id)
    return page.items[0] if page.items else None


def messages_page(conversation_id: int, *, limit: int, cursor: str | None) -> Page[Message]:
    """Return a conversation's messages, newest first."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    return keyset_page(query, key=(Message.id,), limit=limit, cursor=cursor)


def unread_messages_total(user: User | None) -> int:
    """Return how many messages from others the user has not read, in all conversations."""
    return 0 if user is None else unread_messages_of(user.id)


def unread_messages_of(user_id: int) -> int:
    """Return how many messages from others a user has not read, from the id alone."""
    return db.session.scalar(_unread_statement(), {"user_id": user_id}) or 0


def unread_messages_statement() -> Select:
    """Return the unread messages' count statement, its user bound as ``user_id``."""
    return _unread_statement()


@cache
def _unread_statement() -> Select:
    # Built once: every socket counts on connect and after each message (issue 13).
    user_id = bindparam("user_id")
    return (
        select(func.count())
        .select_from(Message)
        .join(
            ConversationMember,
            and_(
                ConversationMember.conversation_id == Message.conversation_id,
                ConversationMember.user_id == user_id,
            ),
        )
        .where(Message.sender_id != user_id, Message.id > ConversationMember.last_read_message_id)
    )


def partner_ids(user_id: int) -> list[int]:
    """Return everyone the user shares a conversation with."""
    return list(db.session.scalars(_partners_statement(), {"user_id": user_id}))


@cache
def _partners_statement() -> Select:
    # Built once: every socket asks on connect and close (issue 13).
    user_id = bindparam("user_id")
    mine = select(ConversationMember.conversation_id).where(ConversationMember.user_id == user_id)
    return (
        select(ConversationMember.user_id)
        .where(ConversationMember.conversation_id.in_(mine), ConversationMember.user_id != user_id)
        .distinct()
    )


def read_marks(conversation_id: int, viewer: User) -> dict[int, int]:
    """Return how far each member has read a conversation (none across a block)."""
    return dict(
        db.session.execute(
            select(ConversationMember.user_id, ConversationMember.last_read_message_id).where(
                ConversationMember.conversation_id == conversation_id,
                not_hidden(ConversationMember.user_id, viewer, muted=False),
            )
        ).all()
    )
