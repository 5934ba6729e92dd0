"""Languages and time zones: which ones exist, which one a request gets, and how to check them.

A page's language is the account's ``locale``, else the visitor's ``lang`` cookie (the footer's
language form), else the best match of the browser's Accept-Language, else English. Its time
zone is the account's ``time_zone``, else the ``tz`` cookie a small script sets from the
browser's own zone (static/js/timezone.js), else UTC. Mails use the recipient's choices.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pytz
from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "de", "es")
# Each language by its own name: a reader who cannot read the page still finds theirs.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}
LOCALE_COOKIE = "lang"
TIME_ZONE_COOKIE = "tz"
COOKIE_MAX_AGE = 365 * 24 * 3600
TIME_ZONE_MAX = 64

LOCALE_ERROR = _l("Choose one of the languages offered.")
TIME_ZONE_ERROR = _l("Choose a time zone from the list, such as Europe/Berlin.")


def supported_locale(value: str | None) -> str | None:
    """Return ``value`` when it names a supported language, else None."""
    return value if value in SUPPORTED_LOCALES else None


@cache
def time_zone_names() -> tuple[str, ...]:
    """Return every IANA time zone name this system knows, sorted."""
    # The "posix/" and "right/" copies and the old aliases in capitals are left out.
    return tuple(
        sorted(
            name
            for name in available_timezones()
            if not name.startswith(("posix/", "right/")) and name != "localtime"
        )
    )


# Old aliases kept by the tz database for compatibility: valid, but not offered on the page.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")


@cache
def offered_time_zones() -> tuple[str, ...]:
    """Return the time zones the settings page offers: UTC and the Area/City names."""
    return (
        "UTC",
        *(
            name
            for name in time_zone_names()
            if "/" in name and not name.startswith(_LEGACY_PREFIXES)
        ),
    )


def valid_time_zone(value: str | None) -> str | None:
    """Return ``value`` when it is an IANA time zone name (zoneinfo knows it), else None."""
    if not value or len(value) > TIME_ZONE_MAX or value != value.strip():
        return None
    if value not in _known_zones():
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(time_zone_names()) | {"UTC"}


def _account() -> object | None:
    """Return the signed-in account of this request, or None (no request, anonymous, API)."""
    if not has_request_context() or g.get("database_unavailable"):
        return None
    # The JSON API signs in with a token, which it puts in g (app.api.common).
    user = g.get("api_user")
    if user is not None:
        return user
    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except (AttributeError, RuntimeError):  # no login manager outside the app
        return None


def select_locale() -> str:
    """Pick the request's language: the account's, the cookie's, the browser's, else English."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    account = _account()
    chosen = supported_locale(getattr(account, "locale", None))
    if chosen:
        return chosen
    chosen = supported_locale(request.cookies.get(LOCALE_COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


_LOCALES: dict[str, Locale] = {}


def page_locale() -> Locale:
    """Return the request's language (``select_locale``) as a Locale, each one made once."""
    # Flask-Babel parses the selector's name into a new Locale on every request (bench/pages.py).
    code = select_locale()
    found = _LOCALES.get(code)
    if found is None:
        found = _LOCALES[code] = Locale.parse(code)
    return found


def select_timezone() -> str | None:
    """Pick the request's time zone: the account's, else the browser's (``tz`` cookie), else UTC."""
    if not has_request_context():
        return None
    account = _account()
    chosen = valid_time_zone(getattr(account, "time_zone", None))
    if chosen:
        return chosen
    return valid_time_zone(request.cookies.get(TIME_ZONE_COOKIE))


@contextlib.contextmanager
def force_timezone(name: str | None) -> Iterator[None]:
    """Format times in ``name`` (an IANA zone; None or unknown: the default, UTC) in the block."""
    state = g._get_current_object().__dict__
    babel_state = state.get("_flask_babel")
    if babel_state is None:
        babel_state = state["_flask_babel"] = SimpleNamespace()
    before = getattr(babel_state, "babel_tzinfo", None)
    babel_state.babel_tzinfo = pytz.timezone(
        valid_time_zone(name) or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")
    )
    try:
        yield
    finally:
        babel_state.babel_tzinfo = before
