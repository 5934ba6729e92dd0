"""Two-factor sign-in: an authenticator app (TOTP), recovery codes, and the step between.

After a right password, an account with TOTP on gets a pending sign-in (an ``mfa_token``, 5
minutes, single use) instead of a sign-in; the sign-in record is made only once a code is right.
A code is one of the app's (its time step must be newer than the last one taken, so no code
works twice) or an unused recovery code. ``MFA_MAX_FAILURES`` wrong codes in a row refuse every
code of the account for ``MFA_LOCKOUT_SECONDS``, on pages and API alike (they share this module).
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update

from app.accounts import challenges, secretbox
from app.accounts.models import RecoveryCode, TotpCredential, User
from app.accounts.passwords import verify_password
from app.accounts.sessions import hash_secret
from app.accounts.standing import refuse_inactive
from app.errors import Conflict, TooManyAttempts, Unauthorized, ValidationError
from app.extensions import db
from app.timeutil import utcnow

ISSUER = "DevThread"
TOTP_DIGITS = 6
TOTP_INTERVAL = 30
# Codes of the step before and after now are taken too: phones' clocks drift.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODES = 10
# 16 characters of base32: 80 random bits each, so a SHA-256 digest is enough at rest.
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
RECOVERY_LENGTH = 16
SECRET_PURPOSE = "totp-secret"
CODE_MAX = 64  # longer than any code we accept, with spaces and dashes


def _seal(user: User, secret: str) -> str:
    return secretbox.seal(secret, purpose=SECRET_PURPOSE, owner=user.id)


def _open(user: User, credential: TotpCredential) -> str | None:
    try:
        return secretbox.open_sealed(credential.secret, purpose=SECRET_PURPOSE, owner=user.id)
    except secretbox.CannotOpen:
        current_app.logger.warning(
            "the TOTP secret of user %s does not open (SECRET_KEY changed?)", user.id
        )
        return None


def _credential(user: User) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id, populate_existing=True)


def otpauth_uri(user: User, secret: str) -> str:
    """Return the ``otpauth://`` address an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


# --- Setting up, confirming, turning off ---------------------------------------------------------


def start_totp_setup(*, user: User) -> str:
    """Make a new secret for the user's app (pending until confirmed) and return it."""
    credential = _credential(user)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict(_("Two-factor sign-in is already on. Turn it off first to start again."))
    secret = pyotp.random_base32()
    if credential is None:
        db.session.add(TotpCredential(user_id=user.id, secret=_seal(user, secret)))
    else:
        credential.secret = _seal(user, secret)
        credential.created_at = utcnow()
    db.session.commit()
    db.session.expire(user, ["totp"])
    return secret


def pending_secret(user: User) -> str | None:
    """Return the secret of a set-up that waits for its first code, if there is one."""
    credential = _credential(user)
    if credential is None or credential.confirmed_at is not None:
        return None
    return _open(user, credential)


def confirm_totp(*, user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; return the recovery codes."""
    credential = _credential(user)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict(_("Start the set-up first: there is no new secret to confirm."))
    secret = _open(user, credential)
    step = _matching_step(secret, code, after=None) if secret else None
    if step is None:
        raise ValidationError(
            _("Some fields need attention."),
            {"code": [_("That code is not right. Type the 6 digits your app shows now.")]},
        )
    credential.confirmed_at = utcnow()
    # The code that confirmed is spent: it cannot sign in a moment later.
    credential.last_step = step
    credential.failures = 0
    credential.locked_until = None
    codes = _new_recovery_codes(user)
    db.session.commit()
    db.session.expire(user, ["totp"])
    return codes


def disable_totp(*, user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off with the password and a code; recovery codes go with it."""
    credential = _active(user)
    if not verify_password(user.password_hash, password):
        raise ValidationError(
            _("Some fields need attention."), {"password": [_("That is not your password.")]}
        )
    check_code(user=user, code=code)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.delete(credential)
    challenges.drop_for_user(user.id)
    db.session.commit()
    db.session.expire(user, ["totp"])


def regenerate_recovery_codes(*, user: User, code: str) -> list[str]:
    """Replace every recovery code (used or not) with ten new ones, after a right code."""
    _active(user)
    check_code(user=user, code=code)
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    """Return how many of the user's recovery codes are unused."""
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _active(user: User) -> TotpCredential:
    credential = _credential(user)
    if credential is None or credential.confirmed_at is None:
        raise Conflict(_("Two-factor sign-in is not on."))
    return credential


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones (shown once, stored hashed)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(RECOVERY_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_secret(raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


# --- Checking a code -----------------------------------------------------------------------------


def _normalize(code: str) -> str:
    return "".join(ch for ch in code if ch not in " -\t").lower()


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """Return the time step whose code ``code`` is, if it is newer than ``after``."""
    code = _normalize(code)
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)
    now = int(time.time()) // TOTP_INTERVAL
    for step in range(now - TOTP_DRIFT_STEPS, now + TOTP_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_totp(user: User, credential: TotpCredential, code: str) -> bool:
    """Accept an app code once: its step must be newer than the last taken (atomic)."""
    secret = _open(user, credential)
    step = _matching_step(secret, code, after=credential.last_step) if secret else None
    if step is None:
        return False
    # Two requests with the same code race here: the conditional UPDATE lets one through.
    taken = db.session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.user_id == user.id,
            (TotpCredential.last_step.is_(None)) | (TotpCredential.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _take_recovery_code(user: User, code: str) -> bool:
    """Spend an unused recovery code (atomic: a code works once, even in a race)."""
    raw = _normalize(code)
    if len(raw) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in raw):
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_secret(raw),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def _refuse_while_locked(credential: TotpCredential) -> None:
    now = utcnow()
    if credential.locked_until is not None and credential.locked_until > now:
        wait = int((credential.locked_until - now).total_seconds()) + 1
        minutes = max(1, (wait + 59) // 60)
        raise TooManyAttempts(
            ngettext(
                "Too many wrong codes. Two-factor sign-in is locked for %(num)d more minute.",
                "Too many wrong codes. Two-factor sign-in is locked for %(num)d more minutes.",
                minutes,
            ),
            retry_after=wait,
        )


def _count_failure(user: User) -> None:
    """Count one wrong code (atomic), lock the codes at the limit, and commit."""
    db.session.execute(
        update(TotpCredential)
        .where(TotpCredential.user_id == user.id)
        .values(failures=TotpCredential.failures + 1)
        .execution_options(synchronize_session=False)
    )
    failures = db.session.scalar(
        select(TotpCredential.failures).where(TotpCredential.user_id == user.id)
    )
    if failures is not None and failures >= current_app.config["MFA_MAX_FAILURES"]:
        lockout = timedelta(seconds=current_app.config["MFA_LOCKOUT_SECONDS"])
        db.session.execute(
            update(TotpCredential)
            .where(TotpCredential.user_id == user.id)
            .values(failures=0, locked_until=utcnow() + lockout)
            .execution_options(synchronize_session=False)
        )
        current_app.logger.warning("two-factor codes of user %s locked: wrong codes", user.id)
    db.session.commit()


def check_code(*, user: User, code: str) -> None:
    """Accept an app code or an unused recovery code of the user, or raise (422, 429 locked)."""
    credential = _active(user)
    _refuse_while_locked(credential)
    if len(code) <= CODE_MAX and (
        _take_totp(user, credential, code) or _take_recovery_code(user, code)
    ):
        db.session.execute(
            update(TotpCredential)
            .where(TotpCredential.user_id == user.id)
            .values(failures=0)
            .execution_options(synchronize_session=False)
        )
        return
    db.session.rollback()
    _count_failure(user)
    raise ValidationError(
        _("Some fields need attention."),
        {"code": [_("That code is not right, or it was already used.")]},
    )


# --- The step between the password and the code --------------------------------------------------


def start_pending_sign_in(*, user: User, remember: bool = False) -> str:
    """Record a sign-in that waits for its code; return the ``mfa_token`` that names it."""
    token = secrets.token_urlsafe(32)
    challenges.create(
        purpose="mfa",
        key=token,
        ttl=current_app.config["MFA_TOKEN_TTL"],
        user_id=user.id,
        remember=remember,
    )
    db.session.commit()
    return token


def pending_sign_in_user(token: str) -> User | None:
    """Return whose pending sign-in ``token`` names, while it is live."""
    record = challenges.find(purpose="mfa", key=token)
    return db.session.get(User, record.user_id) if record and record.user_id else None


def finish_pending_sign_in(*, token: str, code: str) -> tuple[User, bool]:
    """Check the code of a pending sign-in; return its user and whether to remember them."""
    expired = Unauthorized(_("This sign-in has expired or is not valid. Sign in again."))
    record = challenges.find(purpose="mfa", key=token)
    user = db.session.get(User, record.user_id) if record and record.user_id else None
    if record is None or user is None:
        raise expired
    refuse_inactive(user)
    remember = record.remember
    check_code(user=user, code=code)
    if not challenges.spend(record):
        db.session.rollback()
        raise expired  # another request finished this sign-in first
    user.last_seen_at = utcnow()
    db.session.commit()
    return user, remember
