"""Safety use cases: block, mute, report. One transaction each."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.cache import home_namespace, touch
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.safety import queries
from app.safety.models import (
    ID_MAX,
    NOTE_MAX,
    REPORT_REASONS,
    REPORT_TARGETS,
    Block,
    Mute,
    Report,
)
from app.social.queries import user_or_404
from app.social.services import remove_follows_between


def _other(user: User, username: str, refusal: str) -> User:
    target = user_or_404(username)
    if target.id == user.id:
        raise ValidationError(refusal, {"username": [refusal]})
    return target


def _add_once(row: Block | Mute) -> bool:
    """Insert a pair unless it exists; return whether it is new (a race counts as existing)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def block(*, blocker: User, username: str) -> User:
    """Block someone (idempotent): follows between you end, and neither reaches the other."""
    target = _other(blocker, username, _("You cannot block yourself."))
    if db.session.get(Block, (blocker.id, target.id)) is None and _add_once(
        Block(blocker_id=blocker.id, blocked_id=target.id)
    ):
        remove_follows_between(blocker.id, target.id)
        # A block hides each from the other: both home feeds change.
        touch(db.session, home_namespace(blocker.id), home_namespace(target.id))
    db.session.commit()
    return target


def unblock(*, blocker: User, username: str) -> User:
    """Lift a block (idempotent); follows that ended stay ended."""
    target = user_or_404(username)
    lifted = db.session.execute(
        delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == target.id)
    )
    if lifted.rowcount:
        touch(db.session, home_namespace(blocker.id), home_namespace(target.id))
    db.session.commit()
    return target


def mute(*, muter: User, username: str) -> User:
    """Mute someone (idempotent): their posts leave your feeds; they are not told."""
    target = _other(muter, username, _("You cannot mute yourself."))
    if db.session.get(Mute, (muter.id, target.id)) is None and _add_once(
        Mute(muter_id=muter.id, muted_id=target.id)
    ):
        # Muting hides one way only: the muter's feed changes, the other's does not.
        touch(db.session, home_namespace(muter.id))
    db.session.commit()
    return target


def unmute(*, muter: User, username: str) -> User:
    """Unmute someone (idempotent)."""
    target = user_or_404(username)
    lifted = db.session.execute(
        delete(Mute).where(Mute.muter_id == muter.id, Mute.muted_id == target.id)
    )
    if lifted.rowcount:
        touch(db.session, home_namespace(muter.id))
    db.session.commit()
    return target


def _check_report(target_type: str, target_id: object, reason: str, note: str) -> tuple[str, str]:
    """Check the shape of a report; return its target type and cleaned note."""
    errors: dict[str, list[str]] = {}
    if target_type not in REPORT_TARGETS:
        errors["target_type"] = [_("Choose one of: %(t)s.", t=", ".join(REPORT_TARGETS))]
    if reason not in REPORT_REASONS:
        errors["reason"] = [_("Choose one of: %(r)s.", r=", ".join(REPORT_REASONS))]
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Use at most %(n)d characters.", n=NOTE_MAX)]
    elif any(ord(ch) < 32 and ch not in "\n\t" for ch in note):
        errors["note"] = [_("Remove the control characters.")]
    if target_id in (None, ""):
        errors["target_id"] = [_("Say what you are reporting.")]
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    return target_type, note


def _target_owner(reporter: User, target_type: str, target_id: int | str) -> tuple[int, int]:
    """Find what is reported; return its id and the id of the person it is about."""
    from app.posts import services as posts

    if target_type == "user":
        user = user_or_404(str(target_id), viewer=reporter)
        return user.id, user.id
    ident = _as_id(target_id)
    if target_type == "post":
        post = posts.get_post_or_404(ident, viewer=reporter)
        return post.id, post.author_id
    comment = posts.get_comment_or_404(ident)
    posts.get_post_or_404(comment.post_id, viewer=reporter)
    return comment.id, comment.author_id


def _as_id(value: int | str) -> int:
    """Read a post or comment id; one that cannot exist is simply not found."""
    if isinstance(value, bool):
        value = -1
    try:
        ident = int(value)
    except (TypeError, ValueError):
        ident = -1
    if not 1 <= ident <= ID_MAX:
        raise NotFound(_("There is nothing with that id to report."))
    return ident


def report(
    *, reporter: User, target_type: str, target_id: int | str, reason: str, note: str = ""
) -> tuple[Report, bool]:
    """File a report for the moderators; return it and whether it is new."""
    # Posts and comments are named by id, people by username (the API shows no user ids).
    # Reporting a target again while your report on it is open returns that open report.
    target_type, note = _check_report(target_type, target_id, reason, note)
    ident, owner_id = _target_owner(reporter, target_type, target_id)
    if owner_id == reporter.id:
        message = _("You cannot report yourself or your own words.")
        raise ValidationError(message, {"target_id": [message]})
    existing = queries.open_report(reporter.id, target_type, ident)
    if existing is not None:
        return existing, False
    report_row = Report(
        reporter_id=reporter.id,
        target_type=target_type,
        target_id=ident,
        target_user_id=owner_id,
        reason=reason,
        note=note,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report_row)
    except IntegrityError:
        # The same report was filed a moment ago (a double click): that one stands.
        db.session.commit()
        return queries.open_report(reporter.id, target_type, ident), False
    db.session.commit()
    return report_row, True
