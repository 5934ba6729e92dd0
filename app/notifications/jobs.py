"""Mail for a notification: queued by ``notify`` after the commit, sent by the mail queue."""

from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.jobs import job
from app.mail import send_mail
from app.notifications.queries import setting_for
from app.notifications.unsubscribe import unsubscribe_url


@job("notifications.mail", queue="mail", max_retries=3, time_limit=60)
def mail_notification(
    *,
    user_id: int,
    type: str,
    actor_id: int,
    base_url: str,
    post_id: int | None = None,
    comment_id: int | None = None,
    conversation_id: int | None = None,
) -> None:
    """Mail one notification, if its person still wants it and has a verified address."""
    user = db.session.get(User, user_id)
    actor = db.session.get(User, actor_id)
    if (
        user is None
        or actor is None
        or user.erased_at is not None
        # An address nobody proved is theirs gets no optional mail (a sign-up with someone
        # else's address must not make DevThread mail them).
        or user.email_verified_at is None
        or not setting_for(user_id, type)[1]
    ):
        db.session.rollback()
        return
    kind = f"email:{type}"
    link = unsubscribe_url(base_url, user_id, kind)
    send_mail(
        to=user.email,
        template="notification",
        context={
            "username": user.username,
            "type": type,
            "actor": actor.username,
            "post_id": post_id,
            "comment_id": comment_id,
            "conversation_id": conversation_id,
            "unsubscribe_url": link,
        },
        locale=user.locale,
        time_zone=user.time_zone,
        base_url=base_url,
        unsubscribe_url=link,
    )
    db.session.commit()
