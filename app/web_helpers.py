"""Template helpers: avatars, relative times, the viewer, the unread badge."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import format_datetime
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.accounts import sessions
from app.accounts.avatars import sized_avatar
from app.accounts.devices import describe_device
from app.accounts.models import User
from app.cards import as_datetime, page_header, relative_time
from app.extensions import db
from app.messaging.queries import unread_messages_statement
from app.notifications.queries import unread_count_statement
from app.posts import display
from app.realtime.presence import state as presence_state
from app.timeutil import isoformat, utcnow
from app.web import is_htmx


def viewer() -> User | None:
    """Return the signed-in user, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None


def avatar_url(user: User | Any, size: int = 40) -> str:
    """Return the user's avatar file that fits ``size`` px, or the generated one."""
    # A user row, or a payload (notifications and messages pass UserSummary objects or dicts).
    if isinstance(user, dict):
        url, username = user.get("avatar_url"), user.get("username")
    else:
        url, username = user.avatar_url, user.username
    if not url:
        return url_for("main.avatar", username=username)
    return sized_avatar(url, size)


def avatar_colour(username: str) -> str:
    """Pick a stable background colour for a username, dark enough for white text (AA)."""
    digest = hashlib.sha256(username.lower().encode()).digest()
    hue = digest[0] * 360 // 256
    return f"hsl({hue}, 55%, 34%)"


def timeago(value: datetime | None) -> Markup:
    """Render a time as "3 minutes ago", with the exact time on hover and for machines."""
    if value is None:
        return Markup("")
    relative = relative_time(value, utcnow())
    exact = format_datetime(value, "medium")
    return Markup(
        f'<time datetime="{isoformat(value)}" title="{escape(exact)}" data-relative>'
        f"{escape(relative)}</time>"
    )


def local_datetime(value: datetime | str | None, format: str = "long") -> str:
    """Format a time (or the API's ISO string) for the reader's locale and time zone."""
    if value is None or value == "":
        return ""
    try:
        moment = as_datetime(value)
    except ValueError:  # a mail queued before times were sent as ISO strings
        return str(value)
    return format_datetime(moment, format)


def shown_html(html: str) -> Markup:
    """Mark stored post HTML safe to show, its outside pictures sent through the image proxy."""
    # Sanitized by the allowlist when it was rendered, and again by shown_html.
    return Markup(display.shown_html(html))


def unread_messages() -> int:
    """Return the viewer's unread message count (0 when signed out)."""
    user = viewer()
    if user is None:
        return 0
    from app.messaging.queries import unread_messages_total

    return unread_messages_total(user)


def unread_notifications() -> int:
    """Return the viewer's unread notification count (0 when signed out)."""
    user = viewer()
    if user is None:
        return 0
    from app.notifications.queries import unread_count

    return unread_count(user)


def unread_counts(user_id: int) -> tuple[int, int]:
    """Return a user's unread notifications and messages in one statement (the header's badges)."""
    kept = g.get("page_badges")
    if kept is not None and kept[0] == user_id:
        return kept[1], kept[2]  # read with the reader's sign-in, nothing written since
    row = db.session.execute(_unread_counts_statement(), {"user_id": user_id}).one()
    return row[0] or 0, row[1] or 0


@cache
def _unread_counts_statement() -> Select:
    # Each domain's own count, side by side: one round trip instead of two on every page.
    return select(*_badge_columns())


@cache
def _badge_columns() -> tuple[ColumnElement, ...]:
    return (
        unread_count_statement().scalar_subquery(),
        unread_messages_statement().scalar_subquery(),
    )


# Blueprints that never show the site header: their requests read no badges.
HEADERLESS_BLUEPRINTS = frozenset(
    {"api", "imageproxy", "media", "realtime", "ops", "bench", "spa", "metrics"}
)


def load_browser_user(identity: str) -> User | None:
    """Load the user of a browser session; a full page also reads the header's badges with it."""
    # The badges in the sign-in's own statement: one statement fewer on every signed-in page
    # (bench/pages.py). Only a full page shows the header: a form post or an htmx fragment
    # reads the user alone.
    if request.method != "GET" or request.blueprint in HEADERLESS_BLUEPRINTS or is_htmx():
        return sessions.browser_user(identity)
    user, counts = sessions.browser_user_with(identity, _badge_columns())
    if user is not None:
        g.page_badges = (user.id, counts[0] or 0, counts[1] or 0)
    return user


def _forget_badges(*_args: Any) -> None:
    # A write during the request (opening a conversation marks its messages read) may change the
    # counts read with the sign-in: the header then counts again.
    if g:
        g.pop("page_badges", None)


def _forget_badges_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_badges()


event.listen(Session, "after_flush", _forget_badges)
event.listen(Session, "do_orm_execute", _forget_badges_on_write)


def site_header() -> Markup:
    """Return the site header as the viewer sees it, with their unread badges."""
    return page_header(unread_counts)


def register_template_helpers(app: Flask) -> None:
    """Expose the helpers to every template."""
    app.jinja_env.filters["as_datetime"] = as_datetime
    app.jinja_env.filters["device"] = describe_device
    app.jinja_env.filters["shown_html"] = shown_html
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.globals.update(
        avatar=avatar_url,
        timeago=timeago,
        unread_notifications=unread_notifications,
        unread_messages=unread_messages,
        viewer=viewer,
        site_header=site_header,
        online_state=presence_state,
    )
