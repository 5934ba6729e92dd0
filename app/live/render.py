"""What a socket sends: JSON frames, or htmx out-of-band fragments for the pages."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import render_template
from sqlalchemy import func, select

from app.accounts import queries as accounts
from app.extensions import db
from app.realtime import presence
from app.realtime.bus import get_bus
from app.realtime.hub import Connection
from app.realtime.models import StoredEvent
from app.safety.visibility import visible_to

STORED_TYPES = ("notification", "message")


def frame(type: str, data: dict[str, Any], event_id: int | None = None) -> str:
    """Encode one JSON frame."""
    return json.dumps({"id": event_id, "type": type, "data": data}, separators=(",", ":"))


def error_frame(message: str) -> str:
    """Encode an error frame (the socket stays open)."""
    return frame("error", {"message": message})


def unread_counts(user_id: int) -> dict[str, int]:
    """Return the user's unread notifications and messages."""
    from app.messaging.queries import unread_messages_total
    from app.notifications.queries import unread_count

    user = accounts.get_user(user_id)
    return {"notifications": unread_count(user), "messages": unread_messages_total(user)}


def _partners_and_followed(user_id: int) -> list[int]:
    """Return whose presence this user sees: people followed and conversation partners."""
    from app.messaging.queries import partner_ids
    from app.social.models import Follow

    followed = db.session.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id))
    return sorted(visible_to(user_id, set(followed) | set(partner_ids(user_id))))


def _fans(user_id: int) -> list[int]:
    """Return who sees this user's presence: followers and conversation partners."""
    from app.messaging.queries import partner_ids
    from app.social.models import Follow

    followers = db.session.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id))
    # A conversation outlives a block: its partners must not see each other come and go.
    return sorted(visible_to(user_id, set(followers) | set(partner_ids(user_id))))


def announce_presence(user_id: int, *, online: bool) -> None:
    """Tell followers and conversation partners that a user came online or left."""
    user = accounts.get_user(user_id)
    fans = _fans(user_id)
    db.session.remove()
    if user is None or not fans:
        return
    publish_now(fans, "presence", {"username": user.username, "online": online})


def publish_now(user_ids: list[int], type: str, data: dict[str, Any]) -> None:
    """Publish an ephemeral event outside any transaction (typing, presence)."""
    get_bus().publish(
        {
            "users": user_ids,
            "event": {"id": None, "type": type, "data": data},
            "sent_at": time.time(),
        }
    )


def initial_frames(conn: Connection) -> list[str]:
    """Send the state a page or app needs on every (re)connect: counts and who is online."""
    counts = unread_counts(conn.user_id)
    # Events stored from now on are this socket's to deliver, even after a bus outage.
    conn.last_event_id = (
        db.session.scalar(
            select(func.max(StoredEvent.id)).where(StoredEvent.user_id == conn.user_id)
        )
        or 0
    )
    people = _partners_and_followed(conn.user_id)
    online = presence.online_ids(people) or set()  # None: unknown while Redis is away
    if conn.format == "html":
        return [render_template("realtime/badges.html", counts=counts)]
    names = {u.id: u.username for u in accounts.users_by_ids(sorted(online))}
    frames = [frame("unread", counts)]
    frames += [frame("presence", {"username": names[uid], "online": True}) for uid in names]
    return frames


def stored_events_after(user_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Return the user's stored events after an id, oldest first."""
    rows = db.session.scalars(
        select(StoredEvent)
        .where(StoredEvent.user_id == user_id, StoredEvent.id > after_id)
        .order_by(StoredEvent.id)
        .limit(limit)
    )
    return [{"id": row.id, "type": row.type, "data": row.data} for row in rows]


def event_frames(conn: Connection, event: dict[str, Any]) -> list[str]:
    """Turn one event into what this socket sends."""
    if event.get("id") is not None:
        conn.last_event_id = max(conn.last_event_id or 0, int(event["id"]))
    if conn.format == "json":
        frames = [frame(event["type"], event["data"], event.get("id"))]
        if event["type"] in STORED_TYPES:
            frames.append(frame("unread", unread_counts(conn.user_id)))
        return frames
    return [_html(conn, event)]


def _html(conn: Connection, event: dict[str, Any]) -> str:
    """Render an event as out-of-band fragments (the same partials the pages use)."""
    kind, data = event["type"], event["data"]
    context: dict[str, Any] = {"event": event, "data": data, "event_id": event.get("id")}
    if kind in STORED_TYPES:
        context["counts"] = unread_counts(conn.user_id)
    if kind == "post.created":
        conn.new_posts += 1
        context["new_posts"] = conn.new_posts
    template = {
        "notification": "realtime/notification.html",
        "message": "realtime/message.html",
        "post.created": "realtime/new_posts.html",
        "typing": "realtime/typing.html",
        "presence": "realtime/presence.html",
        "read": "realtime/read.html",
        "unread": "realtime/badges.html",
    }.get(kind)
    if template is None:
        return ""
    if kind == "unread":
        context["counts"] = data
    return render_template(template, **context)
