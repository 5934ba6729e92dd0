"""Reads of the stored events: what a (re)connecting socket replays."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from app.extensions import db
from app.realtime.models import StoredEvent


def last_event_id(user_id: int) -> int:
    """Return the id of the user's newest stored event (0 when there is none)."""
    return db.session.scalar(_newest_statement(), {"user_id": user_id}) or 0


@cache
def _newest_statement() -> Select:
    # Built once: every socket asks on connect (issue 13).
    return select(func.max(StoredEvent.id)).where(StoredEvent.user_id == bindparam("user_id"))


def stored_events_after(user_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Return the user's stored events after an id, oldest first."""
    rows = db.session.scalars(
        select(StoredEvent)
        .where(StoredEvent.user_id == user_id, StoredEvent.id > after_id)
        .order_by(StoredEvent.id)
        .limit(limit)
    )
    return [{"id": row.id, "type": row.type, "data": row.data} for row in rows]
