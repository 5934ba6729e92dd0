"""What every API route shares: the id converter and the bearer token's user."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from app.accounts.models import User
from app.accounts.tokens import user_from_access_token
from app.errors import Unauthorized
from app.pagination import INT_MAX


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


def api_user() -> User:
    """Return the authenticated API user (in routes declared with ``auth=True``)."""
    return g.api_user


def api_viewer() -> User | None:
    """Return the caller of a public route: a user when a token came, else None."""
    return g.get("api_user")
