"""Moderation use cases. Each checks the actor's role, acts, records itself in the audit log and
commits once: the action and its audit entry are stored together or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import false, select, update

from app.accounts import services as accounts
from app.accounts.models import ROLES, User
from app.admin.models import AuditEntry
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.media import queries as media_queries
from app.media import services as media
from app.notifications.services import notify
from app.posts import services as posts
from app.posts.models import Comment, Post
from app.safety.models import Report
from app.social.queries import user_or_404
from app.timeutil import utcnow

REASON_MAX = 500
RESOLUTIONS = ("dismiss", "remove", "suspend")


def record(
    *,
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    reason: str = "",
    target_user_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the session; it commits with the action it records."""
    entry = AuditEntry(
        actor_id=actor.id,
        actor_username=actor.username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_user_id=target_user_id,
        reason=reason,
        details=details or {},
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


# The actor the audit log shows for what the system did by itself (an erasure).
SYSTEM_ACTOR = "(system)"
# What the audit log keeps of an erased person's older entries: their words and names go.
PERSONAL_DETAILS = ("username", "excerpt")


def record_erasure(*, user_id: int) -> None:
    """Note in the audit log that an account was erased: its id only; the caller commits."""
    db.session.add(
        AuditEntry(
            actor_id=None,
            actor_username=SYSTEM_ACTOR,
            action="user.erase",
            target_type="user",
            target_id=user_id,
            target_user_id=user_id,
            details={},
            created_at=utcnow(),
        )
    )


def forget_person(*, user_id: int, name: str) -> None:
    """Strip an erased person's name and words from older audit entries; the caller commits.

    The entries stay (what was done, when, by whom, to which ids): an entry about them loses the
    username and excerpt it copied; an entry by them (a moderator) shows ``name`` instead of
    their username. Running it again changes nothing.
    """
    entries = db.session.scalars(
        select(AuditEntry).where(
            (AuditEntry.target_user_id == user_id) | (AuditEntry.actor_id == user_id)
        )
    )
    for entry in entries:
        if entry.actor_id == user_id:
            entry.actor_username = name
        if entry.target_user_id == user_id and any(k in entry.details for k in PERSONAL_DETAILS):
            entry.details = {k: v for k, v in entry.details.items() if k not in PERSONAL_DETAILS}


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise NotFound(_("That page does not exist, or it is not yours to see."))


def _require_admin(actor: User) -> None:
    _require_staff(actor)
    if actor.role != "admin":
        raise Forbidden(_("Only admins can change roles."))


def _reason(reason: str | None, *, required: bool = True) -> str:
    """Return the reason without outer spaces; 422 when it is missing or too long."""
    reason = (reason or "").replace("\r\n", "\n").strip()
    if required and not reason:
        message = _("Give a reason: it is kept in the audit log.")
        raise ValidationError(message, {"reason": [message]})
    if len(reason) > REASON_MAX:
        message = _("Use at most %(n)d characters.", n=REASON_MAX)
        raise ValidationError(message, {"reason": [message]})
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in reason):
        # NUL among them: PostgreSQL refuses it, and the audit log shows the text back.
        message = _("Remove the control characters.")
        raise ValidationError(message, {"reason": [message]})
    return reason


def _may_act_on(actor: User, user: User, on_yourself: str) -> None:
    """Refuse acting on yourself, and moderators acting on other staff."""
    if user.id == actor.id:
        raise Forbidden(on_yourself)
    if user.is_staff and actor.role != "admin":
        raise Forbidden(_("Only an admin can do that to a moderator or an admin."))


def _close_reports(actor: User, status: str, *conditions) -> list[int]:
    """Close the open reports matching ``conditions``; return their ids."""
    ids = list(db.session.scalars(select(Report.id).where(Report.status == "open", *conditions)))
    if ids:
        db.session.execute(
            update(Report)
            .where(Report.id.in_(ids))
            .values(status=status, resolved_at=utcnow(), resolved_by_id=actor.id)
            .execution_options(synchronize_session=False)
        )
    return ids


def _on_target(target_type: str, target_id: int) -> tuple:
    return (Report.target_type == target_type, Report.target_id == target_id)


def _owner(target_type: str, target_id: int) -> User | None:
    """Return the person the reports on a target are about."""
    owner_id = db.session.scalar(
        select(Report.target_user_id).where(*_on_target(target_type, target_id)).limit(1)
    )
    return db.session.get(User, owner_id) if owner_id else None


@contextmanager
def _transaction() -> Iterator[None]:
    """Commit what the block did, or roll all of it back (audit entry included)."""
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def suspend_user(
    *, actor: User, username: str, reason: str, report_target: tuple[str, int] | None = None
) -> User:
    """Suspend someone: they are signed out everywhere, their sockets close, they cannot sign in."""
    _require_staff(actor)
    reason = _reason(reason)
    user = user_or_404(username, deleting=True)
    _may_act_on(actor, user, _("You cannot suspend yourself."))
    with _transaction():
        closed = (
            _close_reports(actor, "suspended", *_on_target(*report_target)) if report_target else []
        )
        if user.suspended and not closed:
            return user
        accounts.set_suspended(user=user, suspended=True, commit=False)
        record(
            actor=actor,
            action="user.suspend",
            target_type="user",
            target_id=user.id,
            target_user_id=user.id,
            reason=reason,
            details={"username": user.username, "reports": closed},
        )
    return user


def unsuspend_user(*, actor: User, username: str, reason: str) -> User:
    """Lift a suspension."""
    _require_staff(actor)
    reason = _reason(reason)
    user = user_or_404(username, deleting=True)
    _may_act_on(actor, user, _("You cannot lift your own suspension."))
    if not user.suspended:
        return user
    with _transaction():
        accounts.set_suspended(user=user, suspended=False, commit=False)
        record(
            actor=actor,
            action="user.unsuspend",
            target_type="user",
            target_id=user.id,
            target_user_id=user.id,
            reason=reason,
            details={"username": user.username},
        )
    return user


def send_password_reset(*, actor: User, username: str, reason: str = "") -> User:
    """Mail someone a password reset link (they asked support, say); recorded in the audit log."""
    _require_staff(actor)
    reason = _reason(reason, required=False)
    user = user_or_404(username)
    _may_act_on(actor, user, _("Use “Forgot your password?” for your own account."))
    with _transaction():
        accounts.mail_password_reset(user=user, commit=False)
        record(
            actor=actor,
            action="user.password_reset_mail",
            target_type="user",
            target_id=user.id,
            target_user_id=user.id,
            reason=reason,
            details={"username": user.username},
        )
    return user


def change_role(*, actor: User, username: str, role: str, reason: str = "") -> User:
    """Make someone a user, moderator or admin; admins only, and never demoting yourself."""
    _require_admin(actor)
    reason = _reason(reason, required=False)
    user = user_or_404(username, deleting=True)
    if role not in ROLES:
        message = _("Choose one of: %(r)s.", r=", ".join(ROLES))
        raise ValidationError(message, {"role": [message]})
    if user.id == actor.id and role != "admin":
        raise Forbidden(_("You cannot demote yourself. Ask another admin."))
    before = user.role
    if before == role:
        return user
    with _transaction():
        accounts.set_role(user=user, role=role, commit=False)
        record(
            actor=actor,
            action="user.role",
            target_type="user",
            target_id=user.id,
            target_user_id=user.id,
            reason=reason,
            details={"username": user.username, "from": before, "to": role},
        )
    return user


def remove_post(*, actor: User, post_id: int, reason: str) -> None:
    """Take a post down, tell its author why, and close the reports about it."""
    _require_staff(actor)
    reason = _reason(reason)
    post = posts.get_post_or_404(post_id)
    author_id, author_name, excerpt = post.author_id, post.author.username, post.body_text[:200]
    with _transaction():
        posts.delete_post(post_id=post.id, actor=actor, commit=False)
        notify(
            user_id=author_id, type="removed", actor_id=actor.id, target_type="post", reason=reason
        )
        closed = _close_reports(actor, "removed", *_on_target("post", post_id))
        record(
            actor=actor,
            action="post.remove",
            target_type="post",
            target_id=post_id,
            target_user_id=author_id,
            reason=reason,
            details={"username": author_name, "excerpt": excerpt, "reports": closed},
        )


def remove_media(*, actor: User, media_id: int, reason: str) -> None:
    """Take an uploaded picture down: its files go, the posts showing it say "picture removed"."""
    _require_staff(actor)
    reason = _reason(reason)
    found = media_queries.media_or_none(media_id)
    if found is None:
        raise NotFound(_("That picture does not exist."))
    post_ids = media_queries.post_ids_showing(media_id)
    owner_id, owner_name = found.owner_id, found.owner.username
    with _transaction():
        media.remove_media(media_id=media_id, actor=actor)
        db.session.flush()
        posts.rerender_posts(post_ids)
        record(
            actor=actor,
            action="media.remove",
            target_type="media",
            target_id=media_id,
            target_user_id=owner_id,
            reason=reason,
            details={"username": owner_name, "kind": found.kind, "post_ids": post_ids},
        )


def remove_comment(*, actor: User, comment_id: int, reason: str) -> None:
    """Take a comment down, tell its author why, and close the reports about it."""
    _require_staff(actor)
    reason = _reason(reason)
    comment = posts.get_comment_or_404(comment_id)
    author_id, post_id, excerpt = comment.author_id, comment.post_id, comment.body[:200]
    author_name = comment.author.username
    with _transaction():
        posts.delete_comment(comment_id=comment.id, actor=actor, commit=False)
        notify(
            user_id=author_id,
            type="removed",
            actor_id=actor.id,
            target_type="comment",
            reason=reason,
        )
        closed = _close_reports(actor, "removed", *_on_target("comment", comment_id))
        record(
            actor=actor,
            action="comment.remove",
            target_type="comment",
            target_id=comment_id,
            target_user_id=author_id,
            reason=reason,
            details={
                "username": author_name,
                "post_id": post_id,
                "excerpt": excerpt,
                "reports": closed,
            },
        )


def remove_user_content(*, actor: User, username: str, reason: str) -> dict[str, int]:
    """Delete every post and comment of someone; return how many of each went."""
    _require_staff(actor)
    reason = _reason(reason)
    user = user_or_404(username, deleting=True)
    _may_act_on(actor, user, _("Delete your own posts yourself."))
    # Comments on their own posts go with those posts; the rest newest first, so replies
    # leave before the comments they answer.
    comment_ids = list(
        db.session.scalars(
            select(Comment.id)
            .join(Post, Post.id == Comment.post_id)
            .where(
                Comment.author_id == user.id,
                Comment.deleted_at.is_(None),
                Post.author_id != user.id,
            )
            .order_by(Comment.id.desc())
        )
    )
    # Their drafts stay theirs: nobody else knows of them, and nobody else sees them.
    post_ids = list(
        db.session.scalars(select(Post.id).where(Post.author_id == user.id, Post.draft == false()))
    )
    counts = {"posts": len(post_ids), "comments": len(comment_ids)}
    with _transaction():
        for comment_id in comment_ids:
            posts.delete_comment(comment_id=comment_id, actor=actor, commit=False)
        for post_id in post_ids:
            posts.delete_post(post_id=post_id, actor=actor, commit=False)
        if post_ids or comment_ids:
            notify(
                user_id=user.id,
                type="removed",
                actor_id=actor.id,
                target_type="content",
                reason=reason,
            )
        closed = _close_reports(
            actor, "removed", Report.target_user_id == user.id, Report.target_type != "user"
        )
        record(
            actor=actor,
            action="user.remove_content",
            target_type="user",
            target_id=user.id,
            target_user_id=user.id,
            reason=reason,
            details={"username": user.username, **counts, "reports": closed},
        )
    return counts


def dismiss_reports(*, actor: User, target_type: str, target_id: int, reason: str = "") -> int:
    """Close the open reports on a target without acting on it; return how many closed."""
    _require_staff(actor)
    reason = _reason(reason, required=False)
    with _transaction():
        owner = _owner(target_type, target_id)
        closed = _close_reports(actor, "dismissed", *_on_target(target_type, target_id))
        if closed:
            record(
                actor=actor,
                action="report.dismiss",
                target_type=target_type,
                target_id=target_id,
                target_user_id=owner.id if owner else None,
                reason=reason,
                details={"username": owner.username if owner else None, "reports": closed},
            )
    return len(closed)


def resolve_reports(
    *, actor: User, target_type: str, target_id: int, action: str, reason: str
) -> None:
    """Settle the reports on a target: dismiss them, remove the content, or suspend its author."""
    _require_staff(actor)
    if action not in RESOLUTIONS:
        message = _("Choose one of: %(a)s.", a=", ".join(RESOLUTIONS))
        raise ValidationError(message, {"action": [message]})
    if action == "dismiss":
        dismiss_reports(actor=actor, target_type=target_type, target_id=target_id, reason=reason)
        return
    owner = _owner(target_type, target_id)
    if owner is None:
        raise NotFound(_("No reports about that."))
    if action == "suspend":
        suspend_user(
            actor=actor,
            username=owner.username,
            reason=reason,
            report_target=(target_type, target_id),
        )
    elif target_type == "post":
        remove_post(actor=actor, post_id=target_id, reason=reason)
    elif target_type == "comment":
        remove_comment(actor=actor, comment_id=target_id, reason=reason)
    else:
        message = _("A person cannot be removed: suspend them, or remove their content.")
        raise ValidationError(message, {"action": [message]})


def delete_post_as(*, actor: User, post_id: int, reason: str | None = None) -> None:
    """Delete a post: the author's own delete, or staff removing it (audited, author told)."""
    from app.posts import services as posts

    try:
        post = posts.get_post_or_404(post_id)
    except NotFound:
        # Its author finds their own draft; to anyone else a draft does not exist.
        post = posts.get_post_or_404(post_id, viewer=actor, drafts=True)
    if actor.id != post.author_id and actor.is_staff:
        remove_post(actor=actor, post_id=post_id, reason=reason or _("Removed by a moderator."))
    else:
        posts.delete_post(post_id=post_id, actor=actor)


def delete_comment_as(*, actor: User, comment_id: int, reason: str | None = None) -> None:
    """Delete a comment: the author's own delete, or staff removing it (audited, author told)."""
    from app.posts import services as posts

    comment = posts.get_comment_or_404(comment_id)
    if actor.id != comment.author_id and actor.is_staff:
        remove_comment(
            actor=actor, comment_id=comment_id, reason=reason or _("Removed by a moderator.")
        )
    else:
        posts.delete_comment(comment_id=comment_id, actor=actor)
