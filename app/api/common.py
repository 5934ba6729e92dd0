"""What every API route shares: the id converter and the bearer token's user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from app.accounts.models import User
from app.accounts.sessions import Caller, PendingSignIn
from app.accounts.tokens import pending_from_access_token, user_from_access_token
from app.errors import Unauthorized
from app.pagination import INT_MAX

View = TypeVar("View", bound=Callable[..., Any])


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


def light_auth(view: View) -> View:
    """Mark a read-only route that needs only the caller's id, and checks the token itself.

    Its token's signature is checked before it runs; its sign-in by the route's own statement
    (``pending_token`` and ``app.accounts.sessions.sign_in_columns``), else by one light
    statement before the answer leaves (``app.api.spec.finish_token_check``). An ended
    sign-in still fails on its very next request, and no user object is built. Never for a
    route that writes: it runs before the sign-in is known to be live.
    """
    view.light_auth = True  # type: ignore[attr-defined]
    return view


def load_token_user() -> None:
    """Read the bearer token, if any; a bad one is refused even on public routes."""
    g.api_user = g.api_caller = g.api_pending = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Use the header 'Authorization: Bearer <access token>'."))
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "light_auth", False):
        g.api_pending = pending_from_access_token(token.strip())
        return
    g.api_user = user_from_access_token(token.strip())
    g.api_caller = Caller(g.api_user.id, g.api_user.current_session_id, True)


def pending_token() -> PendingSignIn:
    """Return the sign-in of a light route's token, for its statement to check (auth=True)."""
    return g.api_pending


def api_user() -> User:
    """Return the authenticated API user (in routes declared with ``auth=True``)."""
    return g.api_user


def api_viewer() -> User | None:
    """Return the caller of a public route: a user when a token came, else None."""
    return g.get("api_user")
