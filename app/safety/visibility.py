"""Who sees whose presence: nobody across a block, either way.

Presence (``app.realtime.presence``) knows who is online; this module decides who may know it.
Every page, API route and socket frame that shows an online dot asks here.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.accounts.models import User
from app.realtime import presence
from app.safety.queries import Standing, blocked_among


def visible_to(viewer_id: int, user_ids: Iterable[int]) -> list[int]:
    """Return the users a block does not separate from the viewer, in their order."""
    ids = list(dict.fromkeys(user_ids))
    hidden = blocked_among(viewer_id, ids)
    return [uid for uid in ids if uid not in hidden]


def online_for(viewer: User | None, user_ids: Iterable[int]) -> set[int] | None:
    """Return which of these users the viewer sees online (None: unknown while Redis is away)."""
    ids = list(user_ids)
    if viewer is not None:
        ids = visible_to(viewer.id, ids)
    return presence.online_ids(ids)


def is_online_for(viewer: User | None, user_id: int) -> bool | None:
    """Tell whether the viewer sees this user online (None: unknown)."""
    # Someone hidden by a block reads as offline, never as unknown, so the answer tells nothing.
    return presence.state(online_for(viewer, [user_id]), user_id)


def is_online_given(standing: Standing, user_id: int) -> bool | None:
    """Tell whether the viewer sees this user online, knowing their standing (None: unknown)."""
    if standing.blocking or standing.blocked_by:
        return False  # as is_online_for: a block reads as offline, never as unknown
    return presence.state(presence.online_ids([user_id]), user_id)
