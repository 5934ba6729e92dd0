"""Notification use cases. Callers own the transaction: a notification commits with its cause."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import STAFF_TYPES, Notification
from app.realtime.events import emit
from app.safety.queries import blocked_between
from app.timeutil import utcnow


def notify(
    *,
    user_id: int,
    type: str,
    actor_id: int,
    post_id: int | None = None,
    comment_id: int | None = None,
    conversation_id: int | None = None,
    target_type: str | None = None,
    reason: str | None = None,
) -> Notification | None:
    """Add a notification to the session; none for your own acts, repeats, or across a block."""
    if user_id == actor_id:
        return None
    if type not in STAFF_TYPES and blocked_between(user_id, actor_id):
        return None
    notification = Notification(
        user_id=user_id,
        type=type,
        actor_id=actor_id,
        post_id=post_id,
        comment_id=comment_id,
        conversation_id=conversation_id,
        target_type=target_type,
        reason=reason,
    )
    if type == "reaction":
        if _reaction_notified(user_id=user_id, actor_id=actor_id, post_id=post_id):
            return None
        try:
            # Two first reactions of one person at once (like and love) both pass the check above;
            # the unique index lets one in, and the other must not fail its request for it.
            with db.session.begin_nested():
                db.session.add(notification)
        except IntegrityError:
            return None
    else:
        db.session.add(notification)

    def payload() -> dict:
        from app.notifications.payloads import notification_payload

        return notification_payload(notification).json_dict()

    emit(db.session, [user_id], "notification", payload, store=True)
    return notification


def _reaction_notified(*, user_id: int, actor_id: int, post_id: int | None) -> bool:
    """Tell whether this person's reactions to this post were notified already."""
    return (
        db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.actor_id == actor_id,
                Notification.post_id == post_id,
                Notification.type == "reaction",
            )
        )
        is not None
    )


def notify_many(
    *, user_ids: Iterable[int], type: str, actor_id: int, **target: int | None
) -> list[Notification]:
    """Notify several people of the same event."""
    made = [notify(user_id=uid, type=type, actor_id=actor_id, **target) for uid in user_ids]
    return [n for n in made if n is not None]


def mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or, with no ids, all) of the user's notifications read; return how many."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = db.session.execute(statement)
    if result.rowcount:
        # Only that the counts changed: each socket counts them when it delivers this.
        emit(db.session, [user.id], "unread", {})
    db.session.commit()
    return result.rowcount or 0
