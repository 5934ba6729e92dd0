"""Where the app may send a browser: paths on this site, read the way a browser reads them.

Every ``Location``, ``HX-Redirect`` and ``HX-Location`` built from input (``next``, the Referer)
goes through ``is_local_path``. Python's ``urlsplit`` and ``urljoin`` read ``/\\evil.example``
as a path, but a browser (WHATWG URL rules) reads ``\\`` as ``/`` and drops tabs and newlines,
so it goes to ``https://evil.example``: the check refuses anything the two could read apart.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Response, redirect, request

from app.web import is_htmx

# Longer targets are not ours (url_for never builds one this long).
TARGET_MAX = 2000
# Control characters (C0, DEL, C1), any whitespace, and the backslash browsers read as "/".
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]|\s")


def is_local_path(target: object) -> bool:
    """Tell whether a browser would read ``target`` as a path (with query/fragment) on this site."""
    if not isinstance(target, str) or not 0 < len(target) <= TARGET_MAX:
        return False
    # One leading slash, then no second one: no scheme ("https:", "javascript:"), no host ("//x").
    if not target.startswith("/") or target.startswith("//") or _UNSAFE.search(target):
        return False
    # Decoded too, in case something on the way decodes it once more ("/%5Cx", "/%2F/x", "/%09/x").
    # Only the path: an encoded space in a query ("?q=a%20b") is fine.
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    decoded = unquote(path)
    return not (decoded.startswith("//") or _UNSAFE.search(decoded))


def local_or(target: object, default: str) -> str:
    """Return ``target`` when it is a path on this site, else ``default``."""
    return target if is_local_path(target) else default  # type: ignore[return-value]


def safe_next(default: str) -> str:
    """Return ``next`` (from the query or the form) if it stays on this site, else ``default``."""
    return local_or(request.values.get("next"), default)


def referrer_or(default: str) -> str:
    """Return the page the request came from, as a path on this site, else ``default``."""
    referrer = request.headers.get("Referer", "")
    # A Referer is input too: only an absolute address on this very origin is taken back.
    if not referrer or _UNSAFE.search(referrer):
        return default
    try:
        parts = urlsplit(referrer)
    except ValueError:  # "http://[" and friends
        return default
    if parts.scheme.lower() != request.scheme or parts.netloc.lower() != request.host.lower():
        return default
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if parts.fragment:
        target += "#" + parts.fragment
    return local_or(target, default)


def see_other(target: str, *, default: str = "/") -> Response:
    """Send the browser to ``target`` (or ``default`` when it would leave the site) with a 303."""
    return redirect(local_or(target, default), code=303)


def go(target: str, *, default: str = "/") -> Response:
    """Like ``see_other``, but a full navigation by ``HX-Redirect`` when htmx sent the request."""
    location = local_or(target, default)
    if is_htmx():
        return Response(status=204, headers={"HX-Redirect": location})
    return redirect(location, code=303)
