"""Account use cases: one function each, shared by the pages, the API and the CLI."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.accounts import challenges, queries, rules, sessions
from app.accounts.models import ROLES, RefreshToken, User
from app.accounts.passwords import (
    burn_verification,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.accounts.standing import refuse_inactive
from app.errors import Conflict, NotFound, Unauthorized, ValidationError
from app.extensions import db
from app.timeutil import utcnow


def wrong_credentials() -> Unauthorized:
    """Return the one error for an unknown user and a wrong password alike."""
    return Unauthorized(_("Wrong username, email or password."))


def register_user(
    *, username: str, email: str, password: str, role: str = "user", display_name: str = ""
) -> User:
    """Create an account after checking every rule; raise ValidationError or Conflict."""
    username = username.strip()
    errors: rules.FieldErrors = {}
    rules.check_username(username, errors)
    email = rules.check_email(email.strip(), errors)
    rules.check_password(password, errors)
    display_name = rules.check_display_name(display_name, errors)
    if role not in ROLES:
        errors.setdefault("role", []).append(_("Choose one of: %(roles)s.", roles=", ".join(ROLES)))
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    conflicts: rules.FieldErrors = {}
    if queries.username_taken(username):
        conflicts["username"] = [_("That username is taken.")]
    if queries.email_taken(email):
        conflicts["email"] = [_("An account already uses that email address.")]
    if conflicts:
        raise Conflict(_("That account already exists."), conflicts)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        role=role,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two sign-ups raced for the same name: the unique index decided.
        db.session.rollback()
        raise Conflict(
            _("That account already exists."),
            {"username": [_("That username or email address is taken.")]},
        ) from exc
    return user


def authenticate(*, login: str, password: str) -> User:
    """Return the user these credentials belong to; the same error for every wrong pair."""
    user = queries.find_by_login(login) if login else None
    if user is None or not user.has_password:
        # An account made with GitHub has no password: it answers as slowly as an unknown one.
        burn_verification()
        raise wrong_credentials()
    if not verify_password(user.password_hash, password):
        raise wrong_credentials()
    refuse_inactive(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_seen_at = utcnow()
    db.session.commit()
    return user


def update_profile(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    location: str | None = None,
    website: str | None = None,
    dm_policy: str | None = None,
) -> User:
    """Change the fields given (None leaves a field as it is); raise ValidationError."""
    errors: rules.FieldErrors = {}
    changes: dict[str, str] = {}
    if display_name is not None:
        changes["display_name"] = rules.check_display_name(display_name, errors)
    if bio is not None:
        changes["bio"] = rules.check_profile_text("bio", bio, rules.BIO_MAX, errors)
    if location is not None:
        changes["location"] = rules.check_profile_text(
            "location", location, rules.LOCATION_MAX, errors
        )
    if website is not None:
        changes["website"] = rules.check_website(website.strip(), errors)
    if dm_policy is not None:
        if dm_policy not in rules.DM_POLICIES:
            errors["dm_policy"] = [_("Choose one of: %(p)s.", p=", ".join(rules.DM_POLICIES))]
        changes["dm_policy"] = dm_policy
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    for name, value in changes.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """Set a new password and end every other session and refresh token of the user.

    An account without a password (made with GitHub) sets its first one: there is no current
    one to give, so ``current_password`` is not read.
    """
    errors: rules.FieldErrors = {}
    if user.has_password and not verify_password(user.password_hash, current_password):
        errors["current_password"] = [_("That is not your current password.")]
    rules.check_password(new_password, errors, field="new_password")
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    user.password_hash = hash_password(new_password)
    _end_sessions(user)
    db.session.commit()
    return user


def log_out_everywhere(*, user: User) -> User:
    """End every browser session, access token and refresh token of the user."""
    _end_sessions(user)
    db.session.commit()
    return user


def end_session(*, user: User, session_id: int) -> None:
    """End one of the user's sign-ins (a browser or an API family) and close its sockets."""
    if not sessions.end_session(user_id=user.id, session_id=session_id):
        # Someone else's session is as unknown as one that never existed.
        raise NotFound(_("You have no session with that id."))
    db.session.commit()


def end_all_sign_ins(*, user: User) -> None:
    """End every sign-in of the user and close their sockets; the caller commits."""
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    """End every sign-in (cookies, access and refresh tokens) and close the user's sockets."""
    sessions.end_all_sessions(user_id=user.id)
    # Sign-ins waiting for their second factor end too (two-factor sign-in itself stays on).
    challenges.drop_for_user(user.id)
    # Refresh tokens from before sign-ins were records belong to no session: revoke them.
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_role(*, user: User, role: str, commit: bool = True) -> User:
    """Give a user a role (user, moderator, admin); ``commit=False`` lets the caller commit."""
    if role not in ROLES:
        raise ValidationError(
            _("Unknown role."), {"role": [_("Choose one of: %(r)s.", r=", ".join(ROLES))]}
        )
    user.role = role
    if commit:
        db.session.commit()
    return user


def set_suspended(*, user: User, suspended: bool, commit: bool = True) -> User:
    """Suspend an account (ending its sessions, tokens and sockets) or lift the suspension."""
    if suspended and not user.suspended:
        _end_sessions(user)
    user.suspended = suspended
    if commit:
        db.session.commit()
    return user
