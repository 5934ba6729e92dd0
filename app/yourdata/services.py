"""Your data's use cases: ask for an export, delete the account, change your mind in time."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from app.accounts import mfa
from app.accounts import services as accounts
from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.accounts.rules import identity_key
from app.errors import (
    AccountPendingDeletion,
    Conflict,
    NotFound,
    TooManyAttempts,
    ValidationError,
)
from app.extensions import db
from app.jobs import enqueue
from app.mail import public_url, send_mail
from app.timeutil import isoformat, utcnow
from app.yourdata import jobs
from app.yourdata.models import DataExport
from app.yourdata.queries import latest_export


def request_export(*, user: User) -> DataExport:
    """Queue a new export of the user's data; 409 while one is built, 429 within the interval."""
    latest = latest_export(user)
    if latest is not None and latest.status == "pending":
        raise Conflict(_("An export of your data is being prepared. You will get a mail."))
    interval = timedelta(hours=current_app.config["EXPORT_INTERVAL_HOURS"])
    # A failed export does not count: its owner may ask again at once.
    if latest is not None and latest.status == "ready":
        wait = latest.created_at + interval - utcnow()
        if wait > timedelta(0):
            raise TooManyAttempts(
                _(
                    "You can ask for one export every %(hours)s hours.",
                    hours=current_app.config["EXPORT_INTERVAL_HOURS"],
                ),
                retry_after=int(wait.total_seconds()) + 1,
            )
    export = DataExport(user_id=user.id, status="pending", created_at=utcnow())
    db.session.add(export)
    db.session.flush()
    enqueue(jobs.build_export, export.id, public_url())
    db.session.commit()  # the job is queued now, and only now
    return export


def request_deletion(*, user: User, password: str = "", code: str = "", username: str = "") -> User:
    """Schedule the account's erasure and end every sign-in at once; the account is inactive.

    An account with a password confirms with it; one without (made with GitHub) types its
    username. With two-factor sign-in on, a code too. Erased ACCOUNT_DELETION_GRACE_DAYS later
    (0: at once, by a job queued now); until then signing in offers to cancel.
    """
    errors: dict[str, list[str]] = {}
    if user.has_password:
        if not verify_password(user.password_hash, password):
            errors["password"] = [_("That is not your password.")]
    elif identity_key(username.strip().removeprefix("@")) != user.username_key:
        errors["username"] = [_("Type your username to confirm.")]
    if user.two_factor and not code.strip():
        errors["code"] = [_("Type the code from your authenticator app.")]
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    if user.two_factor:
        mfa.check_code(user=user, code=code)  # 422 for a wrong code, 429 while locked
    now = utcnow()
    grace = timedelta(days=current_app.config["ACCOUNT_DELETION_GRACE_DAYS"])
    user.deletion_requested_at = now
    user.deletion_due_at = now + grace
    # Every sign-in, refresh token and socket of the account ends with this commit.
    accounts.end_all_sign_ins(user=user)
    if grace <= timedelta(0):
        enqueue(jobs.erase_account, user.id)
    else:
        # Told by mail too: someone with the password alone could have asked for it.
        send_mail(
            to=user.email,
            locale=user.locale,
            time_zone=user.time_zone,
            template="account_deletion",
            context={
                "username": user.username,
                "erase_at": isoformat(user.deletion_due_at),
            },
        )
    db.session.commit()
    return user


def cancel_deletion(*, user: User, code: str = "") -> User:
    """Cancel a pending deletion of an account whose password (or GitHub) was just proven.

    With two-factor sign-in on, a code is needed too: a password alone never brings the
    account back. Once the erasure is due it cannot be cancelled (409).
    """
    if not user.pending_deletion:
        raise Conflict(_("This account is not waiting to be deleted."))
    if user.deletion_due_at is not None and user.deletion_due_at <= utcnow():
        raise Conflict(_("The erasure of this account has begun; it cannot be cancelled."))
    if user.two_factor:
        if not code.strip():
            raise ValidationError(
                _("Some fields need attention."),
                {"code": [_("Type the code from your authenticator app.")]},
            )
        mfa.check_code(user=user, code=code)
    user.deletion_requested_at = None
    user.deletion_due_at = None
    db.session.commit()
    return user


def cancel_deletion_with_password(*, login: str, password: str, code: str = "") -> User:
    """Cancel a pending deletion with the account's credentials (the API's way); return the user."""
    try:
        user = accounts.authenticate(login=login, password=password)
    except AccountPendingDeletion as pending:
        user = db.session.get(User, pending.user_id)
        if user is None:  # pragma: no cover - erased meanwhile
            raise NotFound(_("No such account.")) from pending
        return cancel_deletion(user=user, code=code)
    raise Conflict(_("This account is not waiting to be deleted."))
