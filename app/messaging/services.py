"""Direct message use cases: start a conversation, send, read, type."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.rules import require_verified_email
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.messaging.models import Conversation, ConversationMember, Message
from app.messaging.payloads import ReadMark, message_payload, typing_payload
from app.messaging.rules import BODY_MAX
from app.realtime.events import emit, publish_now
from app.safety.queries import blocked_among, blocked_between
from app.safety.rules import refuse_if_blocked
from app.social.models import Follow
from app.social.queries import user_or_404
from app.timeutil import utcnow


def member_ids(conversation_id: int) -> list[int]:
    """Return the ids of a conversation's members."""
    return list(
        db.session.scalars(
            select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == conversation_id
            )
        )
    )


def conversation_for(conversation_id: int, user: User) -> Conversation:
    """Return a conversation the user is in; 404 otherwise (never 403: it is not theirs to know)."""
    member = db.session.get(ConversationMember, (conversation_id, user.id))
    if member is None:
        raise NotFound(_("That conversation does not exist."))
    return db.session.get(Conversation, conversation_id)


def start_conversation(*, user: User, username: str) -> tuple[Conversation, bool]:
    """Open the one-to-one conversation with someone (or return the existing one)."""
    other = user_or_404(username)
    if other.id == user.id:
        raise ValidationError(
            _("You cannot message yourself."), {"username": [_("You cannot message yourself.")]}
        )
    refuse_if_blocked(user.id, other.id, _("You cannot message this person."))
    key = f"{min(user.id, other.id)}:{max(user.id, other.id)}"
    existing = db.session.scalar(select(Conversation).where(Conversation.direct_key == key))
    if existing is not None:
        return existing, False
    if user.suspended:
        raise Forbidden(_("Your account is suspended."))
    require_verified_email(user)
    if other.dm_policy == "following" and (db.session.get(Follow, (other.id, user.id)) is None):
        raise Forbidden(
            _("%(name)s only accepts messages from people they follow.", name=other.username)
        )
    now = utcnow()
    conversation = Conversation(direct_key=key, created_at=now, updated_at=now)
    db.session.add(conversation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Conversation).where(Conversation.direct_key == key)), False
    for uid in (user.id, other.id):
        db.session.add(
            ConversationMember(conversation_id=conversation.id, user_id=uid, last_activity_at=now)
        )
    db.session.commit()
    return conversation, True


def send_message(*, conversation_id: int, sender: User, body: str) -> Message:
    """Store a message, then push it to every member's sockets."""
    conversation = conversation_for(conversation_id, sender)
    if sender.suspended:
        raise Forbidden(_("Your account is suspended."))
    require_verified_email(sender)
    refuse_if_blocked(sender.id, member_ids(conversation.id), _("You cannot message this person."))
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError(_("Write a message first."), {"body": [_("Write a message first.")]})
    if len(body) > BODY_MAX:
        message = _("Use at most %(n)d characters.", n=BODY_MAX)
        raise ValidationError(message, {"body": [message]})
    if "\x00" in body:
        raise ValidationError(
            _("Remove the NUL characters."), {"body": [_("Remove the NUL characters.")]}
        )
    now = utcnow()
    message = Message(
        conversation_id=conversation.id, sender_id=sender.id, body=body, created_at=now
    )
    db.session.add(message)
    db.session.flush()
    conversation.updated_at = now
    db.session.execute(
        update(ConversationMember)
        .where(ConversationMember.conversation_id == conversation.id)
        .values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    # Your own message is read by you.
    db.session.execute(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.user_id == sender.id,
        )
        .values(last_read_message_id=message.id)
        .execution_options(synchronize_session=False)
    )

    def payload() -> dict:
        return message_payload(message).json_dict()

    emit(db.session, member_ids(conversation.id), "message", payload, store=True)
    db.session.commit()
    return message


def mark_read(*, conversation_id: int, user: User) -> int:
    """Mark a conversation read; tell the members (read marks) and the reader (unread counts)."""
    conversation_for(conversation_id, user)
    newest = (
        db.session.scalar(
            select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
        )
        or 0
    )
    changed = db.session.execute(
        update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user.id,
            ConversationMember.last_read_message_id < newest,
        )
        .values(last_read_message_id=newest)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        members = member_ids(conversation_id)
        # A conversation outlives a block; what its members do no longer shows across it.
        hidden = blocked_among(user.id, members)
        emit(
            db.session,
            [uid for uid in members if uid not in hidden],
            "read",
            ReadMark(
                conversation_id=conversation_id,
                username=user.username,
                last_read_message_id=newest,
            ).json_dict(),
        )
        # Only that the counts changed: each socket counts them when it delivers this.
        emit(db.session, [user.id], "unread", {})
    db.session.commit()
    return newest


def typing(*, conversation_id: int, user: User) -> None:
    """Tell the other members someone is typing (never stored)."""
    conversation_for(conversation_id, user)
    others = [uid for uid in member_ids(conversation_id) if uid != user.id]
    if others and not blocked_between(user.id, others):
        publish_now(others, "typing", typing_payload(conversation_id, user).json_dict())
