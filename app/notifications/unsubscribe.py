"""One-click unsubscribe (RFC 8058): signed links that turn off one kind of optional mail.

A token names a person and a mail kind: ``digest``, or ``email:<type>`` (the mail sent for each
notification of that type). It carries no expiry: a mail read a year later must still stop what
it says. Security mails (password reset, address verification, address change, account
deletion) get no such link, on purpose: nobody may turn them off (app/accounts/services.py).
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.notifications.models import CONFIGURABLE_TYPES

SALT = "devthread.unsubscribe"
DIGEST = "digest"


def mail_kinds() -> tuple[str, ...]:
    """Return every kind of optional mail a token may stop."""
    return (DIGEST, *(f"email:{kind}" for kind in CONFIGURABLE_TYPES))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, kind: str) -> str:
    """Sign a token that stops one kind of someone's mail."""
    if kind not in mail_kinds():
        raise ValueError(f"not an optional mail: {kind!r}")
    return _serializer().dumps([user_id, kind])


def read_token(token: str) -> tuple[int, str] | None:
    """Return (user id, kind) from a token, or None when it is tampered with or malformed."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or value[1] not in mail_kinds()
    ):
        return None
    return value[0], value[1]


def unsubscribe_url(base_url: str, user_id: int, kind: str) -> str:
    """Return the one-click address that stops one kind of someone's mail."""
    return f"{base_url.rstrip('/')}/unsubscribe/{make_token(user_id, kind)}"
