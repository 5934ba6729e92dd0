"""Direct messages: conversations, their members and their messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class Conversation(db.Model):
    """A conversation between people (today: exactly two)."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<smaller id>:<larger id>" for a one-to-one conversation, so there is only ever one.
    direct_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ConversationMember(db.Model):
    """A person in a conversation, with how far they have read."""

    __tablename__ = "conversation_members"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_read_message_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Copied from the conversation so a person's inbox reads one index, newest first.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        Index("ix_conversation_members_inbox", "user_id", "last_activity_at", "conversation_id"),
    )


class Message(db.Model):
    """One message, stored before it is pushed."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    sender_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    sender: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)
