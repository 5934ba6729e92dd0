"""Notification use cases. Callers own the transaction: a notification commits with its cause."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.errors import ValidationError
from app.extensions import db
from app.jobs import enqueue
from app.mail import public_url
from app.notifications.models import (
    CONFIGURABLE_TYPES,
    DIGEST_CHOICES,
    STAFF_TYPES,
    DigestSetting,
    Notification,
    NotificationSetting,
)
from app.notifications.queries import Settings, setting_for, settings_of
from app.notifications.unsubscribe import DIGEST
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
    web, email = setting_for(user_id, type)
    if not (web or email):
        return None
    if type == "reaction" and _reaction_notified(
        user_id=user_id, actor_id=actor_id, post_id=post_id
    ):
        return None
    if email:
        # Queued with the cause's transaction: a rolled-back comment mails nobody.
        enqueue(
            "notifications.mail",
            user_id=user_id,
            type=type,
            actor_id=actor_id,
            base_url=public_url(),
            post_id=post_id,
            comment_id=comment_id,
            conversation_id=conversation_id,
        )
    if not web:
        return None  # turned off on the site: neither stored nor pushed
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


def update_settings(
    *,
    user_id: int,
    types: dict[str, dict[str, bool]] | None = None,
    digest: str | None = None,
) -> Settings:
    """Change some notification settings (per type: ``web``, ``email``; the digest); return all."""
    types = types or {}
    errors: dict[str, list[str]] = {}
    for kind, change in types.items():
        if kind not in CONFIGURABLE_TYPES:
            message = _("Unknown notification type: %(type)s", type=kind)
            errors.setdefault("types", []).append(message)
        elif set(change) - {"web", "email"} or any(type(v) is not bool for v in change.values()):
            errors.setdefault("types", []).append(_("Say on or off for %(type)s.", type=kind))
    if digest is not None and digest not in DIGEST_CHOICES:
        errors["digest"] = [_("Choose off, daily or weekly.")]
    if errors:
        raise ValidationError(_("These settings are not valid."), errors)
    current = settings_of(user_id).types
    for kind, change in types.items():
        web, email = current[kind]
        _store_type(user_id, kind, web=change.get("web", web), email=change.get("email", email))
    if digest is not None:
        _store_digest(user_id, digest)
    db.session.commit()
    return settings_of(user_id)


def _store_type(user_id: int, kind: str, *, web: bool, email: bool) -> None:
    row = db.session.get(NotificationSetting, (user_id, kind))
    if row is None:
        db.session.add(NotificationSetting(user_id=user_id, type=kind, web=web, email=email))
    else:
        row.web, row.email = web, email


def _store_digest(user_id: int, digest: str) -> None:
    row = db.session.get(DigestSetting, user_id)
    if row is None:
        db.session.add(DigestSetting(user_id=user_id, digest=digest))
    else:
        row.digest = digest


def unsubscribe(*, user_id: int, kind: str) -> bool:
    """Turn off one kind of optional mail (the digest, or one type's); False: nobody to stop."""
    if db.session.get(User, user_id) is None:
        return False
    if kind == DIGEST:
        _store_digest(user_id, "off")
    else:
        type = kind.removeprefix("email:")
        web = setting_for(user_id, type)[0]
        _store_type(user_id, type, web=web, email=False)
    db.session.commit()
    return True
