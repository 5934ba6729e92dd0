"""The account rules, written once for the pages, the API and the CLI."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from app.errors import EmailUnverified
from app.i18n import LOCALE_ERROR, TIME_ZONE_ERROR, supported_locale, valid_time_zone

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
# Added in front of a website given without a scheme; the stored form must fit WEBSITE_MAX.
WEBSITE_SCHEME = "https://"
# SCHEME_RE and not HOST_PORT_RE, as one pattern (for the API's schema, read by Python re).
HAS_SCHEME_PATTERN = "^(?!" + HOST_PORT_RE.pattern[1:] + ")" + SCHEME_RE.pattern[1:]
DM_POLICIES = ("everyone", "following")

FieldErrors = dict[str, list[str]]


def identity_key(value: str) -> str:
    """Return the form of a username or email that names one account: NFKC and case-folded."""
    # Compared in Python, stored in its own indexed column: SQLite's lower() folds ASCII only,
    # and neither database folds compatibility forms (fullwidth letters, ligatures).
    # Case folding can undo NFKC (and NFKC can expose new cases), so fold between two passes.
    folded = unicodedata.normalize("NFKC", value.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


class Verifiable(Protocol):
    """An account as the verification rule reads it (models.User; rules cannot import it)."""

    email_verified_at: datetime | None


def require_verified_email(user: Verifiable) -> None:
    """Refuse writing (posts, comments, messages) until the address is verified, if required."""
    # One rule for the pages, the API and the sockets: the services that write call it.
    if current_app.config.get("REQUIRE_VERIFIED_EMAIL") and user.email_verified_at is None:
        raise EmailUnverified(
            _(
                "Confirm your email address first: follow the link we mailed you. You can "
                "ask for a new one in Settings."
            )
        )


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


def with_scheme(value: str) -> str:
    """Return a website as it is stored: with ``https://`` in front when it names no scheme."""
    has_scheme = SCHEME_RE.match(value) and not HOST_PORT_RE.match(value)
    return value if has_scheme else WEBSITE_SCHEME + value


def check_website(value: str, errors: FieldErrors) -> str:
    """Record a website that is not an http(s) address; return it with a scheme."""
    if not value:
        return value
    value = with_scheme(value)
    check_length("website", value, WEBSITE_MAX, errors)
    if not is_web_address(value):
        errors.setdefault("website", []).append(
            _("Enter a web address such as https://example.com.")
        )
    return value


def check_locale(value: str, errors: FieldErrors) -> str | None:
    """Record a language that is not offered; return it, or None for "" (the browser's)."""
    if value == "":
        return None
    if supported_locale(value) is None:
        errors.setdefault("locale", []).append(str(LOCALE_ERROR))
    return value


def check_time_zone(value: str, errors: FieldErrors) -> str | None:
    """Record a time zone zoneinfo does not know; return it, or None for "" (the browser's)."""
    if value == "":
        return None
    if valid_time_zone(value) is None:
        errors.setdefault("time_zone", []).append(str(TIME_ZONE_ERROR))
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


# Embeddings, overrides and isolates change how the text around them is laid out: a name ending
# in U+202E shows "gnp.exe" as "exe.png", and it spills over what follows on the page.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Marks that set a direction invisibly: fine inside mixed-direction prose, not in a name.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
# Letters and symbols that show as nothing: Hangul fillers, the blank braille pattern.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# The zero-width (non-)joiner shapes emoji sequences (👩‍💻) and spells words in scripts such
# as Persian or Devanagari; between ASCII characters it only hides.
JOINERS = frozenset("\u200c\u200d")
KEYCAP_BASES = frozenset("#*0123456789")
_JOINABLE = ("L", "M", "So", "Sk")


def _is_variation_selector(ch: str) -> bool:
    code = ord(ch)
    # U+180E, between the Mongolian selectors, is a separator (format), not one of them.
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x180B <= code <= 0x180D
        or code == 0x180F
    )


def _joins(value: str, index: int) -> bool:
    """Tell whether the joiner at ``index`` sits between two characters it can join."""
    if index == 0 or index == len(value) - 1:
        return False
    neighbours = (value[index - 1], value[index + 1])
    return all(
        ord(ch) > 127 and unicodedata.category(ch).startswith(_JOINABLE) for ch in neighbours
    )


def display_name_problems(value: str) -> list[str]:
    """Say what in a display name could impersonate someone or hide itself (empty when fine)."""
    problems: dict[str, None] = {}  # ordered, each message once
    for index, ch in enumerate(value):
        category = unicodedata.category(ch)
        if ch in BIDI_CONTROLS or ch in BIDI_MARKS:
            problems[_("Remove the characters that change the direction of the text.")] = None
        elif ch in JOINERS:
            if not _joins(value, index):
                problems[_invisible()] = None
        elif _is_variation_selector(ch):
            before = value[index - 1] if index else " "
            # A selector changes how the character before it looks; alone, or after a letter it
            # does not apply to, it shows nothing. ASCII takes one only in keycaps (#️⃣, 1️⃣).
            if (
                unicodedata.category(before)[0] in "CZ"
                or _is_variation_selector(before)
                or (ord(before) < 128 and before not in KEYCAP_BASES)
            ):
                problems[_invisible()] = None
        elif category == "Cc":
            problems[_("Remove the control characters.")] = None
        elif ch in BLANK_CHARACTERS or category in ("Cf", "Cs", "Zl", "Zp"):
            problems[_invisible()] = None
        elif category == "Zs" and ch != " ":
            problems[_("Use ordinary spaces only.")] = None
    if value and not any(unicodedata.category(ch)[0] in "LNSP" for ch in value):
        problems[_("Use at least one visible letter, digit or symbol.")] = None
    return list(problems)


def _invisible() -> str:
    return _("Remove the invisible characters (such as zero-width spaces or fillers).")


def _escaped(chars: frozenset[str]) -> str:
    return "".join(f"\\u{ord(ch):04x}" for ch in sorted(chars))


# What check_profile_text refuses, as one pattern for the API's schema: control characters
# other than newline and tab, and the direction controls.
PROFILE_TEXT_PATTERN = "^[^\\x00-\\x08\\x0b-\\x1f" + _escaped(BIDI_CONTROLS) + "]*$"


def check_display_name(value: str, errors: FieldErrors) -> str:
    """Record what is wrong with a display name; return it stripped."""
    value = check_text("display_name", value, DISPLAY_NAME_MAX, errors)
    for problem in display_name_problems(value):
        if problem not in errors.get("display_name", []):
            errors.setdefault("display_name", []).append(problem)
    return value


def check_profile_text(field: str, value: str, limit: int, errors: FieldErrors) -> str:
    """Record what is wrong with a bio or a location; return it stripped."""
    value = check_text(field, value, limit, errors)
    if any(ch in BIDI_CONTROLS for ch in value):
        errors.setdefault(field, []).append(
            _("Remove the characters that change the direction of the text.")
        )
    return value


def check_text(field: str, value: str, limit: int, errors: FieldErrors) -> str:
    """Strip a profile text, reject control characters and enforce its limit."""
    value = value.strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        errors.setdefault(field, []).append(_("Remove the control characters."))
    check_length(field, value, limit, errors)
    return value


# A passkey's name: visible text, no control characters (C0, DEL, C1), not only spaces.
PASSKEY_NAME_MAX = 64
PASSKEY_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
_PASSKEY_NAME_RE = re.compile(PASSKEY_NAME_PATTERN)


def check_passkey_name(name: str, errors: FieldErrors) -> str:
    """Record what is wrong with a passkey's name; return it stripped."""
    if not _PASSKEY_NAME_RE.match(name):
        errors.setdefault("name", []).append(
            _("Give the passkey a name, without control characters.")
        )
    name = name.strip()
    check_length("name", name, PASSKEY_NAME_MAX, errors)
    return name
