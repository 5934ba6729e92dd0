"""What a socket sends: JSON frames, or htmx out-of-band fragments for the pages.

The unread counts are computed here, when a socket delivers an event that changes them, once per
event or per replayed batch: services only say that they changed (an ``unread`` event).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import render_template

from app.accounts import queries as accounts
from app.accounts.payloads import Presence
from app.extensions import db
from app.messaging.queries import partner_ids, unread_messages_of
from app.notifications.payloads import Unread
from app.notifications.queries import unread_count_of
from app.realtime import presence
from app.realtime.events import publish_now
from app.realtime.hub import Connection
from app.realtime.queries import last_event_id
from app.safety.visibility import visible_to
from app.social.queries import follow_ties, followee_ids, follower_ids

# Events after which a socket's unread counts are sent (or its badges rendered) again.
COUNTED_TYPES = ("notification", "message", "unread")
# Where the JSON text of an event shared by many sockets is kept once encoded (a fan-out to
# 10,000 followers encoded the same post 10,000 times).
ENCODED = "_encoded"


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
    if accounts.get_user(user_id) is None:
        raise AccountGone(user_id)
    return _counts(user_id)


def _counts(user_id: int) -> dict[str, int]:
    counts = Unread(notifications=unread_count_of(user_id), messages=unread_messages_of(user_id))
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


def announce_presence(
    user_id: int, *, online: bool, username: str | None = None, fans: list[int] | None = None
) -> None:
    """Tell followers and conversation partners that a user came online or left."""
    if username is None:
        user = accounts.get_user(user_id)
        username = user.username if user is not None else None
    if fans is None:
        fans = _fans(user_id)
    db.session.remove()
    if username is None or not fans:
        return
    publish_now(fans, "presence", Presence(username=username, online=online).json_dict())


@dataclass
class ConnectState:
    """What a socket reads from the database as it opens: one short transaction, five reads."""

    counts: dict[str, int]
    people: list[int]  # whose presence it shows: people followed and conversation partners
    fans: list[int]  # who sees its user come and go: followers and conversation partners


def connect_state(conn: Connection) -> ConnectState:
    """Read what a (re)connecting socket needs; the caller ends the transaction right after."""
    user_id = conn.user_id
    counts = _counts(user_id)
    # Events stored from now on are this socket's to deliver, even after a bus outage.
    conn.last_event_id = last_event_id(user_id)
    followed, followers = follow_ties(user_id)
    partners = partner_ids(user_id)
    # A conversation outlives a block: its partners must not see each other come and go.
    visible = set(visible_to(user_id, set(followed) | set(followers) | set(partners)))
    return ConnectState(
        counts=counts,
        people=sorted(visible & (set(followed) | set(partners))),
        fans=sorted(visible & (set(followers) | set(partners))),
    )


def initial_frames(conn: Connection, state: ConnectState | None = None) -> list[str]:
    """Send the state a page or app needs on every (re)connect: counts and who is online."""
    if state is None:
        state = connect_state(conn)
    if conn.format == "html":
        return [render_template("realtime/badges.html", counts=state.counts)]
    frames = [frame("unread", state.counts)]
    online = presence.online_ids(state.people) or set()  # None: unknown while Redis is away
    if online:
        frames += [
            frame("presence", Presence(username=user.username, online=True).json_dict())
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
            frames.append(json_frame(event))
    if counts is not None and conn.format == "json":
        frames.append(frame("unread", counts))
    return frames


def json_frame(event: dict[str, Any]) -> str:
    """Encode an event's frame; an ephemeral event is one dict for all sockets: encode it once."""
    if event.get("id") is not None:
        return frame(event["type"], event["data"], event["id"])
    encoded = event.get(ENCODED)
    if encoded is None:
        encoded = event[ENCODED] = frame(event["type"], event["data"])
    return encoded


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
