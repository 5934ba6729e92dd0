"""Secrets the server must read back (TOTP secrets), encrypted at rest with a key from SECRET_KEY.

AES-256-GCM (cryptography's AESGCM): authenticated, so a stored value that was altered fails to
open instead of yielding a wrong secret. The key is derived from ``SECRET_KEY`` with HKDF-SHA256
and a label of its own, so it is never the key that signs cookies and tokens. Each value gets a
fresh 96-bit nonce, and the owner's id is bound in as associated data: a value copied onto another
account's row does not open there. A database dump or backup alone reveals no secret.

Changing ``SECRET_KEY`` makes the stored secrets unreadable: their owners sign in with a recovery
code (hashed, not encrypted, so unaffected) and set up their app again (docs/security.md).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

VERSION = "v1"
NONCE_BYTES = 12


class CannotOpen(Exception):
    """The value was altered, belongs to another account, or the key has changed."""


def _key(purpose: str) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"devthread/{purpose}".encode()
    ).derive(secret)


def seal(plain: str, *, purpose: str, owner: int) -> str:
    """Encrypt ``plain`` for ``owner``: ``v1:`` and the base64url of nonce and ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(purpose)).encrypt(nonce, plain.encode("utf-8"), _aad(purpose, owner))
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_sealed(value: str, *, purpose: str, owner: int) -> str:
    """Decrypt what ``seal`` made for ``owner``; raise CannotOpen if it does not open."""
    version, _sep, body = value.partition(":")
    if version != VERSION:
        raise CannotOpen(f"unknown format {version!r}")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        plain = AESGCM(_key(purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(purpose, owner)
        )
    except (InvalidTag, ValueError) as exc:
        raise CannotOpen("the value does not open with this key") from exc
    return plain.decode("utf-8")


def _aad(purpose: str, owner: int) -> bytes:
    return f"{purpose}:{owner}".encode()
