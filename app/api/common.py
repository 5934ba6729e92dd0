"""What every API route shares: reading JSON bodies, bearer auth, field checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, get_args, get_origin

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from app import jsonread
from app.accounts.models import User
from app.accounts.tokens import user_from_access_token
from app.errors import BadRequest, Unauthorized, ValidationError
from app.jsonread import TooDeep
from app.pagination import INT_MAX, INT_MIN
from app.pagination import page_params as page_params  # lists read pages as the HTML does

F = TypeVar("F", bound=Callable[..., Any])

# Longest list a body field may hold (ids to mark read, tags): bounds the SQL a request can cause.
LIST_MAX = 100


class IdConverter(BaseConverter):
    """Match a database id in a path (``<id:post_id>``); anything else is a 404, never a 500."""

    # No sign, no leading zero, at most 10 digits: then the value is checked against int4.
    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        """Read the id; one past PostgreSQL's integer range cannot exist: 404."""
        number = int(value)
        if number > INT_MAX:
            # Not werkzeug's ValidationError: with sibling rules for other methods it means 405.
            raise NotFound()
        return number

    def to_url(self, value: Any) -> str:
        """Write the id back into a path."""
        return str(int(value))


def load_token_user() -> None:
    """Read the bearer token, if any; a bad one is refused even on public routes."""
    g.api_user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Use the header 'Authorization: Bearer <access token>'."))
    g.api_user = user_from_access_token(token.strip())


def auth_required(func: F) -> F:
    """Refuse the route with 401 unless a valid access token came with the request."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("api_user") is None:
            raise Unauthorized(_("Sign in first: this route needs an access token."))
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def api_user() -> User:
    """Return the authenticated API user (use inside ``auth_required`` routes)."""
    return g.api_user


def api_viewer() -> User | None:
    """Return the caller of a public route: a user when a token came, else None."""
    return g.get("api_user")


def json_body() -> dict[str, Any]:
    """Return the request's JSON object; 400 for malformed JSON or another JSON type."""
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest(_("Send a JSON object as the request body."))
    try:
        body = jsonread.loads(raw)
    except TooDeep as exc:
        message = _("The request body nests deeper than %(n)d levels.", n=jsonread.MAX_DEPTH)
        raise BadRequest(message) from exc
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise BadRequest(_("The request body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return body


def fields(
    body: dict[str, Any], *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> dict[str, str]:
    """Pick string fields out of a body: required ones present, no unknown or non-string ones."""
    return typed_fields(
        body, required=dict.fromkeys(required, str), optional=dict.fromkeys(optional, str)
    )


def typed_fields(
    body: dict[str, Any],
    *,
    required: Mapping[str, Any] | None = None,
    optional: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Pick fields of the given kinds (str, int, list[str], list[int]) out of a body; 422 else.

    Required fields must be present and not null; an optional null counts as absent; any field
    not named is refused, so a typo never passes silently.
    """
    required = required or {}
    optional = optional or {}
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in required:
        if body.get(name) is None:
            errors[name] = [_("This field is required.")]
    for name, value in body.items():
        kind = required.get(name, optional.get(name))
        if kind is None:
            errors[name] = [_("Unknown field.")]
        elif value is None:
            continue
        elif (problem := _problem(value, kind)) is not None:
            errors.setdefault(name, []).append(problem)
        else:
            values[name] = value
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    return values


def _problem(value: Any, kind: Any) -> str | None:
    """Say what is wrong with a value of the wanted kind, or None when it fits."""
    if get_origin(kind) is list:
        if not isinstance(value, list):
            return _("Must be a list.")
        if len(value) > LIST_MAX:
            return _("Send at most %(n)d items.", n=LIST_MAX)
        (item_kind,) = get_args(kind)
        for index, item in enumerate(value):
            problem = _problem(item, item_kind)
            if problem is not None:
                return _("Item %(i)d: %(problem)s", i=index, problem=problem)
        return None
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            return _("Must be a whole number.")
        if not INT_MIN <= value <= INT_MAX:
            return _("Must be a whole number from %(lo)d to %(hi)d.", lo=INT_MIN, hi=INT_MAX)
        return None
    if not isinstance(value, str):
        return _("Must be a string.")
    if "\x00" in value:
        return _("Must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may carry lone surrogates (\ud800) that no database can store.
        return _("Must be valid Unicode text.")
    return None
