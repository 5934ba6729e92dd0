"""Account use cases: one function each, shared by the pages, the API and the CLI."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, true, update
from sqlalchemy.exc import IntegrityError

from app.accounts import challenges, links, queries, rules, sessions
from app.accounts.models import ROLES, RefreshToken, User
from app.accounts.passwords import (
    burn_verification,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.accounts.standing import refuse_inactive
from app.errors import Conflict, InvalidLink, NotFound, Unauthorized, ValidationError
from app.extensions import db
from app.mail import send_mail
from app.timeutil import utcnow


def wrong_credentials() -> Unauthorized:
    """Return the one error for an unknown user and a wrong password alike."""
    return Unauthorized(_("Wrong username, email or password."))


def register_user(
    *,
    username: str,
    email: str,
    password: str,
    role: str = "user",
    display_name: str = "",
    verified: bool = False,
) -> User:
    """Create an account after checking every rule; raise ValidationError or Conflict.

    A verification link is mailed to the address, unless ``verified`` (an operator's
    ``flask create-user`` vouches for it).
    """
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
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    try:
        db.session.flush()
        if not verified:
            _mail_verification(user, purpose="email_verify", email=email)
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
    email: str | None = None,
    locale: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change the fields given (None leaves a field as it is); raise ValidationError.

    ``locale`` and ``time_zone`` given as "" go back to "not chosen" (the browser's).

    A new ``email`` is not written yet: it waits in ``pending_email`` until the link mailed
    to it is followed (``verify_email``), and the current address is told.
    """
    errors: rules.FieldErrors = {}
    changes: dict[str, str | None] = {}
    if email is not None:
        email = rules.check_email(email.strip(), errors)
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
    if locale is not None:
        changes["locale"] = rules.check_locale(locale, errors)
    if time_zone is not None:
        changes["time_zone"] = rules.check_time_zone(time_zone, errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    new_email = email if email is not None and rules.identity_key(email) != user.email_key else None
    if new_email is not None and queries.email_taken(new_email):
        raise Conflict(
            _("That account already exists."),
            {"email": [_("An account already uses that email address.")]},
        )
    for name, value in changes.items():
        setattr(user, name, value)
    if new_email is not None:
        _start_email_change(user, new_email)
    elif email is not None and user.pending_email is not None:
        # Asking for the current address again calls the pending change off.
        user.pending_email = None
        links.replace(user_id=user.id, purpose="email_change")
    db.session.commit()
    return user


def _start_email_change(user: User, email: str) -> None:
    """Keep ``email`` pending, mail it a link, and tell the current address; no commit."""
    user.pending_email = email
    _mail_verification(user, purpose="email_change", email=email)
    # A security mail: no List-Unsubscribe, nobody may turn it off (app/mail send_mail).
    send_mail(
        to=user.email,
        locale=user.locale,
        time_zone=user.time_zone,
        template="email_change_notice",
        context={"username": user.username, "new_email": email},
    )


def change_password(
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session_id: int | None = None,
) -> User:
    """Set a new password and end the user's other sign-ins, refresh tokens and sockets.

    ``keep_session_id`` names the sign-in that stays (the API caller's); None ends them all.
    An account without a password (made with GitHub) cannot set one here: whoever holds one
    of its sessions could then sign in for good. It asks for a reset link by mail instead,
    which proves the mailbox (``request_password_reset``).
    """
    if not user.has_password:
        raise Conflict(
            _(
                "Your account has no password yet. Ask for a password link by mail: "
                "following it sets your first password."
            )
        )
    errors: rules.FieldErrors = {}
    if not verify_password(user.password_hash, current_password):
        errors["current_password"] = [_("That is not your current password.")]
    rules.check_password(new_password, errors, field="new_password")
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    user.password_hash = hash_password(new_password)
    _end_sessions(user, keep_session_id=keep_session_id)
    db.session.commit()
    return user


# --- Links by mail: password reset, address verification and change ---------------------------


def _mail_verification(user: User, *, purpose: str, email: str) -> None:
    """Make a verification (or change) link for ``email`` and mail it there; no commit."""
    ttl = current_app.config["EMAIL_VERIFICATION_TTL"]
    token = links.create(user=user, purpose=purpose, email=email, ttl=ttl)
    # A security mail: no List-Unsubscribe, nobody may turn it off (app/mail send_mail).
    send_mail(
        to=email,
        locale=user.locale,
        time_zone=user.time_zone,
        template="email_change" if purpose == "email_change" else "verify_email",
        context={"username": user.username, "token": token, "days": max(1, ttl // 86400)},
    )


def mail_password_reset(*, user: User, commit: bool = True) -> None:
    """Mail the user a password reset link (earlier ones stop working)."""
    if not user.is_active:
        raise Conflict(
            _("This account is suspended or being deleted: it cannot reset its password.")
        )
    ttl = current_app.config["PASSWORD_RESET_TTL"]
    token = links.create(user=user, purpose="password_reset", email=user.email, ttl=ttl)
    # A security mail: no List-Unsubscribe, nobody may turn it off (app/mail send_mail).
    send_mail(
        to=user.email,
        locale=user.locale,
        time_zone=user.time_zone,
        template="password_reset",
        context={"username": user.username, "token": token, "minutes": max(1, ttl // 60)},
    )
    if commit:
        db.session.commit()


def request_password_reset(*, email: str) -> None:
    """Mail a reset link when an account has this address; the same silence otherwise."""
    errors: rules.FieldErrors = {}
    email = rules.check_email(email.strip(), errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    user = queries.find_by_email(email)
    # Unknown, suspended and deleted accounts answer alike: nothing tells whether one exists.
    if user is not None and user.is_active:
        mail_password_reset(user=user)


def reset_link_user(token: str) -> User | None:
    """Return the account a live reset link belongs to, or None (the page says so)."""
    link = links.find(token=token, purposes=("password_reset",))
    return db.session.get(User, link.user_id) if link is not None else None


def reset_password(*, token: str, password: str) -> User:
    """Set a new password through a reset link; every sign-in and socket of the account ends."""
    link = links.find(token=token, purposes=("password_reset",))
    if link is None:
        raise _bad_link()
    errors: rules.FieldErrors = {}
    rules.check_password(password, errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    user = db.session.get(User, link.user_id)
    if user is None or not user.is_active or not links.spend(link):
        db.session.rollback()
        raise _bad_link()
    user.password_hash = hash_password(password)
    if rules.identity_key(link.email) == user.email_key and user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the mail reached them: the address is theirs
    _end_sessions(user)
    db.session.commit()
    return user


def mail_verification(*, user: User) -> None:
    """Mail a new verification link to the user's address (earlier ones stop working)."""
    if user.email_verified_at is not None:
        raise Conflict(_("Your email address is already verified."))
    _mail_verification(user, purpose="email_verify", email=user.email)
    db.session.commit()


def verify_email(*, token: str, user: User | None = None) -> User:
    """Prove an address with a mailed link: verify the current one, or switch to a new one.

    ``user`` is who is signed in, if anyone: a link of another account is refused.
    """
    link = links.find(token=token, purposes=("email_verify", "email_change"))
    if link is None:
        raise _bad_link()
    if user is not None and user.id != link.user_id:
        raise InvalidLink(
            _(
                "This link belongs to another account. Sign out, then follow it again, "
                "or ask for a new one from your own settings."
            )
        )
    owner = db.session.get(User, link.user_id)
    key = rules.identity_key(link.email)
    if link.purpose == "email_verify":
        if owner is None or key != owner.email_key:
            raise _bad_link()  # the address changed since it was sent
    else:
        if owner is None or owner.pending_email is None:
            raise _bad_link()
        if rules.identity_key(owner.pending_email) != key:
            raise _bad_link()  # another address was asked for since
        taken = queries.find_by_email(link.email)
        if taken is not None and taken.id != owner.id:
            raise _taken_meanwhile(link.email)
    if not links.spend(link):
        db.session.rollback()
        raise _bad_link()
    if link.purpose == "email_change":
        owner.email = link.email
        owner.pending_email = None
        # Links sent to the old address prove nothing about the new one.
        links.replace(user_id=owner.id, purpose="email_verify")
        links.replace(user_id=owner.id, purpose="password_reset")
    owner.email_verified_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()  # taken by a sign-up in the same instant: the index decided
        raise _taken_meanwhile(link.email) from exc
    return owner


def verification_link_live(token: str) -> bool:
    """Tell whether a verification (or change) link can still be followed; spends nothing."""
    return links.find(token=token, purposes=("email_verify", "email_change")) is not None


def bad_link_message() -> str:
    """Return what a page says of a link that is unknown, expired, spent or replaced."""
    return _(
        "This link is not valid: it expired, was already used, or a newer one replaced it. "
        "Ask for a new one."
    )


def _bad_link() -> InvalidLink:
    return InvalidLink(bad_link_message())


def _taken_meanwhile(email: str) -> Conflict:
    message = _(
        "Another account started using %(email)s after you asked for it. Choose another "
        "address in Settings.",
        email=email,
    )
    return Conflict(message, {"email": [message]})


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


def _end_sessions(user: User, *, keep_session_id: int | None = None) -> None:
    """End every sign-in but ``keep_session_id`` (cookies, tokens) and close their sockets."""
    sessions.end_all_sessions(user_id=user.id, except_session_id=keep_session_id)
    # Sign-ins waiting for their second factor end too (two-factor sign-in itself stays on).
    challenges.drop_for_user(user.id)
    # Refresh tokens from before sign-ins were records belong to no session: revoke them.
    outside_kept = (
        or_(RefreshToken.session_id.is_(None), RefreshToken.session_id != keep_session_id)
        if keep_session_id is not None
        else true()
    )
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None), outside_kept)
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
