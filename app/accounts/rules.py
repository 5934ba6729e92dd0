"""The account rules, written once for the pages, the API and the CLI."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
HOST_PORT_RE = re.compile(r"^[^:/]+:\d+(/|$)")
HOST_RE = re.compile(r"^(localhost|([a-z0-9-]+\.)+[a-z0-9-]{2,})$", re.IGNORECASE)
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
EMAIL_MAX = 254
DISPLAY_NAME_MAX = 50
BIO_MAX = 500
LOCATION_MAX = 80
WEBSITE_MAX = 200
DM_POLICIES = ("everyone", "following")

FieldErrors = dict[str, list[str]]


def identity_key(value: str) -> str:
    """Return the form of a username or email that names one account: NFKC and case-folded."""
    # Compared in Python, stored in its own indexed column: SQLite's lower() folds ASCII only,
    # and neither database folds compatibility forms (fullwidth letters, ligatures).
    # Case folding can undo NFKC (and NFKC can expose new cases), so fold between two passes.
    folded = unicodedata.normalize("NFKC", value.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def check_username(value: str, errors: FieldErrors) -> None:
    """Record what is wrong with a username, if anything."""
    if not value:
        errors.setdefault("username", []).append(_("Choose a username."))
    elif not USERNAME_RE.match(value):
        errors.setdefault("username", []).append(_("Use 3 to 30 letters, digits or underscores."))


def check_email(value: str, errors: FieldErrors) -> str:
    """Record what is wrong with an email address; return its normalized form."""
    if not value:
        errors.setdefault("email", []).append(_("Enter your email address."))
        return value
    if len(value) > EMAIL_MAX:
        errors.setdefault("email", []).append(_("That email address is too long."))
        return value
    try:
        normalized = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        errors.setdefault("email", []).append(_("Enter a valid email address."))
        return value
    if len(identity_key(normalized)) > EMAIL_MAX:
        # Folding can lengthen an address (NFKC expands some characters); its key must fit too.
        errors.setdefault("email", []).append(_("That email address is too long."))
    return normalized


def check_password(value: str, errors: FieldErrors, field: str = "password") -> None:
    """Record what is wrong with a new password, if anything."""
    if len(value) < PASSWORD_MIN:
        errors.setdefault(field, []).append(_("Use at least %(n)d characters.", n=PASSWORD_MIN))
    elif len(value) > PASSWORD_MAX:
        errors.setdefault(field, []).append(_("That password is too long."))


def check_length(field: str, value: str, limit: int, errors: FieldErrors) -> None:
    """Record a field that is longer than its limit."""
    if len(value) > limit:
        errors.setdefault(field, []).append(_("Use at most %(n)d characters.", n=limit))


def check_website(value: str, errors: FieldErrors) -> str:
    """Record a website that is not an http(s) address; return it with a scheme."""
    if not value:
        return value
    has_scheme = SCHEME_RE.match(value) and not HOST_PORT_RE.match(value)
    if not has_scheme:
        value = "https://" + value
    check_length("website", value, WEBSITE_MAX, errors)
    parts = urlsplit(value)
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not HOST_RE.match(host)
        or any(ch.isspace() for ch in value)
    ):
        errors.setdefault("website", []).append(
            _("Enter a web address such as https://example.com.")
        )
    return value


def check_text(field: str, value: str, limit: int, errors: FieldErrors) -> str:
    """Strip a profile text, reject control characters and enforce its limit."""
    value = value.strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        errors.setdefault(field, []).append(_("Remove the control characters."))
    check_length(field, value, limit, errors)
    return value
