"""Signed image-proxy addresses: ``/img/<signature>/<base64url of the image's address>``.

The signature is HMAC-SHA256 over the exact address, truncated to 128 bits and written in
base64url, under a key derived from ``SECRET_KEY`` by HKDF-SHA256 with a label of its own
(``devthread/image-proxy``), so it is never the key that signs cookies and tokens. Only addresses
this app signed are fetched: the proxy is never an open proxy. Addresses are signed when HTML
is shown (not stored), so a new ``SECRET_KEY`` signs every picture again with nothing to redo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.redirects import is_local_path

PURPOSE = b"devthread/image-proxy"
SIGNATURE_BYTES = 16
# Longer addresses are not signed (the picture is left out): no browser or server needs them.
URL_MAX = 2048
PROXY_PREFIX = "/img/"
_SCHEMES = frozenset({"http", "https"})
# Browsers drop tabs and newlines anywhere in an address and read "\" as "/" (WHATWG URL).
_DROPPED = re.compile(r"[\t\n\r]")
_EDGES = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
_EDGES += "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "


@lru_cache(maxsize=4)
def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        secret.encode("utf-8")
    )


def _key() -> bytes:
    return _derive(current_app.config["SECRET_KEY"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(url: str) -> str:
    digest = hmac.new(_key(), url.encode("utf-8"), hashlib.sha256).digest()
    return _b64(digest[:SIGNATURE_BYTES])


def proxy_path(url: str) -> str:
    """Return the signed proxy address of an absolute http(s) image address."""
    return f"{PROXY_PREFIX}{_signature(url)}/{_b64(url.encode('utf-8'))}"


def verified_url(signature: str, source: str) -> str | None:
    """Return the image address a proxy path names, or None if this app did not sign it."""
    if len(source) > URL_MAX * 2 or len(signature) > 64:
        return None
    try:
        url = _unb64(source).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    # Constant-time: the comparison does not tell how much of a forged signature was right.
    given = signature.encode("ascii", "replace")
    if not hmac.compare_digest(_signature(url).encode("ascii"), given):
        return None
    return url


def external_url(src: str) -> str | None:
    """Return the absolute http(s) address a browser would read ``src`` as, or None."""
    probe = _DROPPED.sub("", src).strip(_EDGES).replace("\\", "/")
    if probe.startswith("//"):
        probe = "https:" + probe
    if len(probe) > URL_MAX:
        return None
    try:
        parts = urlsplit(probe)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return probe


def image_address(src: str) -> str | None:
    """Return the address a page should load an image from: ours, or None to leave it out."""
    if is_local_path(src):
        # Same-origin pictures (uploads under /media/, an already proxied /img/...) stay.
        return src
    url = external_url(src)
    if url is None:
        return None
    media_origin = (current_app.config.get("MEDIA_PUBLIC_ORIGIN") or "").rstrip("/")
    if media_origin and _origin(url) == media_origin.lower():
        # The media store's public origin is allowed by the page's CSP: no proxy needed.
        return url
    return proxy_path(url)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
