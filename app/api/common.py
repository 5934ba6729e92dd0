"""What every API route shares: reading JSON bodies, bearer auth, field checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.tokens import user_from_access_token
from app.errors import BadRequest, Unauthorized, ValidationError

F = TypeVar("F", bound=Callable[..., Any])


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


def json_body() -> dict[str, Any]:
    """Return the request's JSON object; 400 for malformed JSON or another JSON type."""
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest(_("Send a JSON object as the request body."))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(_("The request body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return body


def fields(
    body: dict[str, Any], *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> dict[str, str]:
    """Pick string fields out of a body: required ones present, no unknown or non-string ones."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in required:
        if body.get(name) is None:
            errors[name] = [_("This field is required.")]
    for name, value in body.items():
        if name not in required and name not in optional:
            errors[name] = [_("Unknown field.")]
        elif value is None and name in optional:
            continue
        elif not isinstance(value, str):
            errors.setdefault(name, []).append(_("Must be a string."))
        elif "\x00" in value:
            errors.setdefault(name, []).append(_("Must not contain NUL characters."))
        else:
            values[name] = value
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    return values
