"""The account rules, written once for the pages, the API and the CLI."""

from __future__ import annotations

import re
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
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        errors.setdefault("email", []).append(_("Enter a valid email address."))
        return value


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
    if not is_web_address(value):
        errors.setdefault("website", []).append(
            _("Enter a web address such as https://example.com.")
        )
    return value


def is_web_address(value: str) -> bool:
    """Tell whether ``value`` is an http(s) address with a host name, read alike everywhere."""
    # Browsers read "\" as "/" and drop tabs and newlines: refuse what they would read apart.
    if any(ch.isspace() or ch == "\\" or ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        return False
    try:
        parts = urlsplit(value)  # raises on "http://[" and other broken brackets
        _port = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(HOST_RE.match(parts.hostname or ""))


def check_text(field: str, value: str, limit: int, errors: FieldErrors) -> str:
    """Strip a profile text, reject control characters and enforce its limit."""
    value = value.strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        errors.setdefault(field, []).append(_("Remove the control characters."))
    check_length(field, value, limit, errors)
    return value
