"""Connected accounts (Sign in with GitHub): who an outside account signs in, and the links.

An outside account is linked to a DevThread account in three ways only, never silently:
its verified primary email is the account's address (the person is told), the person
connects it from their signed-in settings, or it makes a new account after the person
confirmed the username. Everything else is refused with a message that says what to do.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.accounts import queries, rules
from app.accounts.models import OAuthIdentity, User
from app.accounts.standing import refuse_inactive
from app.errors import Conflict, Forbidden, NotFound, ValidationError
from app.extensions import db
from app.timeutil import utcnow

PROVIDER_NAMES = {"github": "GitHub"}
# Usernames tried after the outside login itself: login2, login3, ... (one query for all).
SUGGESTIONS = 50
LOGIN_MAX = 100


@dataclass(frozen=True)
class ExternalProfile:
    """Who an outside provider says the person is, as read from its API."""

    provider: str
    provider_user_id: str
    login: str
    name: str = ""
    # The account's primary address at the provider, and whether the provider verified it.
    email: str | None = None
    email_verified: bool = False

    @property
    def provider_name(self) -> str:
        """Return the provider's name as people know it."""
        return PROVIDER_NAMES.get(self.provider, self.provider)


@dataclass(frozen=True)
class SignInResult:
    """Where an outside sign-in leads: a user to sign in (just linked or not), or a new account."""

    user: User | None
    linked: bool = False


def sign_in_with(*, profile: ExternalProfile) -> SignInResult:
    """Find the account an outside sign-in belongs to, linking it by verified email if need be.

    Returns the user to sign in, or no user when no account has the address (the person
    confirms a new one first). Raises Forbidden for a suspended account or an address the
    provider has not verified, Conflict when the account has another outside account there.
    """
    identity = queries.identity_for(profile.provider, profile.provider_user_id)
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        _refuse_suspended(user)
        _note_use(identity, profile)
        user.last_seen_at = utcnow()
        db.session.commit()
        return SignInResult(user)
    email = _verified_email(profile)
    user = queries.find_by_email(email)
    if user is None:
        return SignInResult(None)
    _refuse_suspended(user)
    if not _address_proven(user):
        raise Forbidden(
            _(
                "An account uses that address but has not confirmed it. Sign in with your "
                "password, then connect %(provider)s from Settings.",
                provider=profile.provider_name,
            )
        )
    if queries.identity_of(user, profile.provider) is not None:
        raise Conflict(
            _(
                "The DevThread account with that address is connected to another "
                "%(provider)s account. Sign in with that one, or with your password.",
                provider=profile.provider_name,
            )
        )
    _link(user, profile)
    user.last_seen_at = utcnow()
    _commit_link(profile)
    return SignInResult(user, linked=True)


def connect(*, user: User, profile: ExternalProfile) -> bool:
    """Connect an outside account to the signed-in user; False when it already was theirs."""
    identity = queries.identity_for(profile.provider, profile.provider_user_id)
    if identity is not None:
        if identity.user_id != user.id:
            raise _owned_elsewhere(profile)
        _note_use(identity, profile)
        db.session.commit()
        return False
    current = queries.identity_of(user, profile.provider)
    if current is not None:
        raise Conflict(
            _(
                "Your account is already connected to the %(provider)s account "
                "%(login)s. Disconnect it first.",
                provider=profile.provider_name,
                login=current.provider_login,
            )
        )
    _link(user, profile)
    _commit_link(profile)
    return True


def create_account(*, profile: ExternalProfile, username: str) -> User:
    """Create an account with no password for an outside account, and link the two."""
    email = _verified_email(profile)
    username = username.strip()
    errors: rules.FieldErrors = {}
    rules.check_username(username, errors)
    email = rules.check_email(email, errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    if queries.identity_for(profile.provider, profile.provider_user_id) is not None:
        raise _owned_elsewhere(profile)
    if queries.email_taken(email):
        # Made meanwhile (or in another tab): signing in with the provider again links it.
        raise Conflict(
            _(
                "An account already uses that email address. Sign in with %(provider)s "
                "again to connect to it.",
                provider=profile.provider_name,
            ),
            {"email": [_("An account already uses that email address.")]},
        )
    if queries.username_taken(username):
        raise Conflict(
            _("That account already exists."), {"username": [_("That username is taken.")]}
        )
    user = User(
        username=username,
        email=email,
        # No password: nothing verifies against an empty hash (has_password is False).
        password_hash="",
        display_name=_usable_display_name(profile.name),
        last_seen_at=utcnow(),
        # GitHub verified this address (_verified_email refuses any other): so do we.
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    _link(user, profile)
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Raced by another sign-up for the name or address, or the same outside account.
        db.session.rollback()
        raise Conflict(
            _("That account already exists."),
            {"username": [_("That username or email address is taken.")]},
        ) from exc
    return user


def disconnect(*, user: User, provider: str) -> None:
    """Disconnect the user's outside account, unless it is their only way to sign in."""
    # A provider we do not know is not connected (and is never sent to the database).
    identity = queries.identity_of(user, provider) if provider in PROVIDER_NAMES else None
    if identity is None:
        raise NotFound(
            _(
                "No %(provider)s account is connected to yours.",
                provider=PROVIDER_NAMES.get(provider, provider),
            )
        )
    connected = db.session.scalar(
        select(func.count(OAuthIdentity.id)).where(OAuthIdentity.user_id == user.id)
    )
    if is_only_way_in(user, connected or 0):
        raise Conflict(
            _(
                "%(provider)s is the only way you sign in. Set a password first, then "
                "disconnect it.",
                provider=PROVIDER_NAMES.get(provider, provider),
            )
        )
    db.session.execute(
        delete(OAuthIdentity)
        .where(OAuthIdentity.id == identity.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def is_only_way_in(user: User, connected: int) -> bool:
    """Tell whether a connected account is all that signs this user in (no password, no other)."""
    return not user.has_password and connected <= 1


def suggest_username(login: str) -> str:
    """Return a free username made from an outside login (``octo-cat`` gives ``octo_cat``)."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", login)[:30]
    if len(base) < 3:
        base = f"{base}_dev"
    candidates = [base] + [base[: 30 - len(str(n))] + str(n) for n in range(2, SUGGESTIONS + 2)]
    taken = queries.taken_username_keys([rules.identity_key(c) for c in candidates])
    for candidate in candidates:
        if rules.identity_key(candidate) not in taken:
            return candidate
    # Fifty near names taken: a random tail is as good as any.
    return base[:23] + "_" + secrets.token_hex(3)


def _verified_email(profile: ExternalProfile) -> str:
    """Return the provider's primary address, refusing one the provider has not verified."""
    if not profile.email or not profile.email_verified:
        raise Forbidden(
            _(
                "Your primary email address on %(provider)s is not verified, so it cannot "
                "sign you in here. Verify it on %(provider)s and try again, or sign in with "
                "your password and connect %(provider)s from Settings.",
                provider=profile.provider_name,
            )
        )
    return profile.email


def _address_proven(user: User) -> bool:
    """Tell whether the account proved it owns its address, so a link by email may trust it."""
    # Without this, someone could register a victim's address first, wait for the victim to
    # sign in with GitHub, and share the account: only a followed verification link counts.
    return user.email_verified_at is not None


def _refuse_suspended(user: User | None) -> None:
    # is_active is what every sign-in checks (Flask-Login's too): suspended, or being deleted.
    if user is None:
        raise Forbidden(_("This account is suspended."))
    refuse_inactive(user)


def _owned_elsewhere(profile: ExternalProfile) -> Conflict:
    return Conflict(
        _(
            "That %(provider)s account is connected to another DevThread account. Sign in "
            "with it there and disconnect it first.",
            provider=profile.provider_name,
        )
    )


def _link(user: User, profile: ExternalProfile) -> OAuthIdentity:
    """Add the connection row; the caller commits."""
    now = utcnow()
    identity = OAuthIdentity(
        provider=profile.provider,
        provider_user_id=profile.provider_user_id,
        provider_login=profile.login[:LOGIN_MAX],
        user_id=user.id,
        created_at=now,
        last_used_at=now,
    )
    db.session.add(identity)
    return identity


def _commit_link(profile: ExternalProfile) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        # The same outside account linked meanwhile (another tab), or a second one here.
        db.session.rollback()
        raise _owned_elsewhere(profile) from exc


def _note_use(identity: OAuthIdentity, profile: ExternalProfile) -> None:
    """Note a sign-in with this connection; the login shown follows renames at the provider."""
    identity.last_used_at = utcnow()
    identity.provider_login = profile.login[:LOGIN_MAX]


def _usable_display_name(name: str) -> str:
    """Return the provider's display name when it passes our rules, else nothing."""
    errors: rules.FieldErrors = {}
    value = rules.check_display_name(name or "", errors)
    return "" if errors else value
