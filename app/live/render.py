"""What a socket sends: JSON frames, or htmx out-of-band fragments for the pages.

The unread counts are computed here, when a socket delivers an event that changes them, once per
event or per replayed batch: services only say that they changed (an ``unread`` event).
"""

from __future__ import annotations

import json
from typing import Any

from flask import render_template

from app.accounts import queries as accounts
from app.accounts.payloads import presence as presence_frame
from app.extensions import db
from app.messaging.queries import partner_ids
from app.realtime import presence
from app.realtime.events import publish_now
from app.realtime.hub import Connection
from app.realtime.queries import last_event_id
from app.safety.visibility import visible_to
from app.social.queries import followee_ids, follower_ids

# Events after which a socket's unread counts are sent (or its badges rendered) again.
COUNTED_TYPES = ("notification", "message", "unread")


def frame(type: str, data: dict[str, Any], event_id: int | None = None) -> str:
    """Encode one JSON frame."""
    return json.dumps({"id": event_id, "type": type, "data": data}, separators=(",", ":"))


def error_frame(message: str) -> str:
    """Encode an error frame (the socket stays open)."""
    return frame("error", {"message": message})


class AccountGone(Exception):
    """The socket's account no longer exists (erased while the socket was open)."""


def unread_counts(user_id: int) -> dict[str, int]:
    """Return the user's unread notifications and messages (the ``unread`` frame's data)."""
    from app.messaging.queries import unread_messages_total
    from app.notifications.payloads import Unread
    from app.notifications.queries import unread_count

    user = accounts.get_user(user_id)
    if user is None:
        raise AccountGone(user_id)
    counts = Unread(notifications=unread_count(user), messages=unread_messages_total(user))
    return counts.json_dict()


def _partners_and_followed(user_id: int) -> list[int]:
    """Return whose presence this user sees: people followed and conversation partners."""
    followed = followee_ids(user_id)
    return sorted(visible_to(user_id, set(followed) | set(partner_ids(user_id))))


def _fans(user_id: int) -> list[int]:
    """Return who sees this user's presence: followers and conversation partners."""
    followers = follower_ids(user_id)
    # A conversation outlives a block: its partners must not see each other come and go.
    return sorted(visible_to(user_id, set(followers) | set(partner_ids(user_id))))


def announce_presence(user_id: int, *, online: bool) -> None:
    """Tell followers and conversation partners that a user came online or left."""
    user = accounts.get_user(user_id)
    fans = _fans(user_id)
    db.session.remove()
    if user is None or not fans:
        return
    publish_now(fans, "presence", presence_frame(user, online=online).json_dict())


def initial_frames(conn: Connection) -> list[str]:
    """Send the state a page or app needs on every (re)connect: counts and who is online."""
    counts = unread_counts(conn.user_id)
    # Events stored from now on are this socket's to deliver, even after a bus outage.
    conn.last_event_id = last_event_id(conn.user_id)
    people = _partners_and_followed(conn.user_id)
    online = presence.online_ids(people) or set()  # None: unknown while Redis is away
    if conn.format == "html":
        return [render_template("realtime/badges.html", counts=counts)]
    frames = [frame("unread", counts)]
    frames += [
        frame("presence", presence_frame(user, online=True).json_dict())
        for user in accounts.users_by_ids(sorted(online))
    ]
    return frames


def event_frames(conn: Connection, event: dict[str, Any]) -> list[str]:
    """Turn one event into what this socket sends."""
    return batch_frames(conn, [event])


def batch_frames(conn: Connection, events: list[dict[str, Any]]) -> list[str]:
    """Turn events into what this socket sends, counting its unread items once for them all."""
    # Counted here, per socket, when delivered: a replay of N events costs one count, not N.
    counted = any(event["type"] in COUNTED_TYPES for event in events)
    counts = unread_counts(conn.user_id) if counted else None
    frames = []
    for event in events:
        if event.get("id") is not None:
            conn.last_event_id = max(conn.last_event_id or 0, int(event["id"]))
        if conn.format == "html":
            frames.append(_html(conn, event, counts))
        elif event["type"] != "unread":  # it only said the counts changed: they follow
            frames.append(frame(event["type"], event["data"], event.get("id")))
    if counts is not None and conn.format == "json":
        frames.append(frame("unread", counts))
    return frames


def _html(conn: Connection, event: dict[str, Any], counts: dict[str, int] | None) -> str:
    """Render an event as out-of-band fragments (the same partials the pages use)."""
    kind, data = event["type"], event["data"]
    context: dict[str, Any] = {"event": event, "data": data, "event_id": event.get("id")}
    context["counts"] = counts
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
    return render_template(template, **context)
