"""Passkeys (WebAuthn, py_webauthn): register several named keys, sign in without a password.

Every ceremony starts with options holding a fresh 64-byte challenge, stored server-side (its
SHA-256, ``PASSKEY_CHALLENGE_TTL``, single use: spent on the first answer, right or wrong). The
answer names its challenge inside its signed ``clientDataJSON``, so no other handle is needed.
User verification (PIN or biometrics) is required: a passkey sign-in counts as both factors.
Each sign-in must raise the key's signature counter when the authenticator keeps one; a counter
that does not grow (a cloned key, or a replay) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, options_to_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app import jsonread
from app.accounts import challenges, rules
from app.accounts.models import Passkey, User
from app.accounts.standing import refuse_inactive
from app.errors import Conflict, NotFound, Unauthorized, ValidationError
from app.extensions import db
from app.timeutil import utcnow

RP_NAME = "DevThread"
TRANSPORTS = {t.value for t in AuthenticatorTransport}


def relying_party() -> tuple[str, str]:
    """Return the RP id and the origin browsers sign for: from the settings, else the request."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        origin = f"{parts.scheme}://{parts.netloc}"
    else:
        origin = request.host_url.rstrip("/")
    rp_id = current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(origin).hostname or ""
    return rp_id, origin


def _ttl_ms() -> int:
    return int(current_app.config["PASSKEY_CHALLENGE_TTL"]) * 1000


def _user_handle(user: User) -> str:
    """Return the account's WebAuthn user id: opaque, not personal, the same for every key."""
    existing = db.session.scalar(
        select(Passkey.user_handle).where(Passkey.user_id == user.id).limit(1)
    )
    if existing:
        return existing
    # The first key's: the options and the answer must agree on it with nothing stored between,
    # so it is a keyed hash of the id (it tells nothing of the account to whoever sees it).
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()
    return bytes_to_base64url(digest)


def _member(credential: Any, *path: str) -> Any:
    """Return ``credential[path...]`` when every step is an object, else None."""
    for name in path:
        if not isinstance(credential, dict):
            return None
        credential = credential.get(name)
    return credential


def _client_challenge(credential: Any) -> str:
    """Read the challenge a credential answers from its clientDataJSON ("" if unreadable)."""
    try:
        raw = base64url_to_bytes(credential["response"]["clientDataJSON"])
        challenge = jsonread.loads(raw).get("challenge")
    except (KeyError, TypeError, ValueError, AttributeError):
        return ""
    return challenge if isinstance(challenge, str) else ""


# --- Registering -----------------------------------------------------------------------------


def registration_options(*, user: User) -> dict[str, Any]:
    """Start adding a passkey: the options for ``navigator.credentials.create()``."""
    rp_id, _origin = relying_party()
    existing = db.session.scalars(select(Passkey).where(Passkey.user_id == user.id)).all()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=base64url_to_bytes(_user_handle(user)),
        user_display_name=user.name,
        timeout=_ttl_ms(),
        # Keys already registered are refused by the authenticator itself: no duplicates.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
            for key in existing
        ],
        # Discoverable, so the login page can ask "which passkey?" without a username.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    challenges.create(
        purpose="passkey_register",
        key=bytes_to_base64url(options.challenge),
        ttl=current_app.config["PASSKEY_CHALLENGE_TTL"],
        user_id=user.id,
    )
    db.session.commit()
    return json.loads(options_to_json(options))


def add_passkey(*, user: User, name: str, credential: Any) -> Passkey:
    """Verify an authenticator's answer to our registration options and keep the new passkey."""
    errors: rules.FieldErrors = {}
    name = rules.check_passkey_name(name, errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    refused = ValidationError(
        _("Some fields need attention."),
        {"credential": [_("The passkey could not be verified. Try adding it again.")]},
    )
    record = challenges.find(purpose="passkey_register", key=_client_challenge(credential))
    if record is None or record.user_id != user.id or not challenges.spend(record):
        raise refused
    db.session.commit()  # the challenge is spent, whatever the answer turns out to be
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(_client_challenge(credential)),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    # The library parses CBOR and JSON written by the caller: any failure means "not verified".
    except Exception as exc:
        current_app.logger.info("passkey registration refused: %s", exc)
        raise refused from exc
    transports = _member(credential, "response", "transports")
    transports = transports if isinstance(transports, list) else []
    passkey = Passkey(
        user_id=user.id,
        name=name,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        user_handle=_user_handle(user),
        transports=",".join(t for t in transports if isinstance(t, str) and t in TRANSPORTS),
    )
    db.session.add(passkey)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            _("That passkey is already registered."),
            {"credential": [_("That passkey is already registered.")]},
        ) from exc
    return passkey


def rename_passkey(*, user: User, passkey_id: int, name: str) -> Passkey:
    """Rename one of the user's passkeys (another person's is 404)."""
    passkey = _own(user, passkey_id)
    errors: rules.FieldErrors = {}
    name = rules.check_passkey_name(name, errors)
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    passkey.name = name
    db.session.commit()
    return passkey


def delete_passkey(*, user: User, passkey_id: int) -> None:
    """Remove one of the user's passkeys (another person's is 404)."""
    db.session.delete(_own(user, passkey_id))
    db.session.commit()


def _own(user: User, passkey_id: int) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        raise NotFound(_("You have no passkey with that id."))
    return passkey


# --- Signing in ------------------------------------------------------------------------------


def authentication_options() -> dict[str, Any]:
    """Start a passkey sign-in: the options for ``navigator.credentials.get()``."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=_ttl_ms(),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenges.create(
        purpose="passkey_login",
        key=bytes_to_base64url(options.challenge),
        ttl=current_app.config["PASSKEY_CHALLENGE_TTL"],
    )
    db.session.commit()
    return json.loads(options_to_json(options))


def authenticate(*, credential: Any) -> User:
    """Return the user a passkey's signed answer to our challenge belongs to; else 401."""
    refused = Unauthorized(_("That passkey was not accepted. Try again, or use your password."))
    challenge = _client_challenge(credential)
    record = challenges.find(purpose="passkey_login", key=challenge)
    if record is None or not challenges.spend(record):
        raise refused
    db.session.commit()  # spent: an answer is tried once
    credential_id = _member(credential, "id")
    passkey = (
        db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
        if isinstance(credential_id, str) and len(credential_id) <= 1400
        else None
    )
    if passkey is None:
        raise refused
    handle = _member(credential, "response", "userHandle")
    if handle and handle != passkey.user_handle:
        raise refused
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    # As above: a bad signature, a counter that did not grow, or unreadable data.
    except Exception as exc:
        current_app.logger.warning("passkey %s refused at sign-in: %s", passkey.id, exc)
        raise refused from exc
    # Compare-and-set: two answers racing with the same counter cannot both pass.
    moved = db.session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        raise refused
    user = db.session.get(User, passkey.user_id)
    if user is None:
        raise refused
    if not user.is_active:
        db.session.rollback()
        refuse_inactive(user)
    user.last_seen_at = utcnow()
    db.session.commit()
    return user
