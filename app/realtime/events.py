"""Emit events from services: stored ones are written with the transaction, all are published
after the commit succeeds (never before), and dropped when it rolls back.

An event is a type and its data for some users; what it means to a socket (a frame, a fragment,
the unread counts it asks for) is the live face's business (``app.live.render``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.realtime.models import StoredEvent

PENDING = "devthread_pending_events"
READY = "devthread_ready_events"

Data = dict[str, Any] | Callable[[], dict[str, Any]]


@dataclass
class Pending:
    """An event waiting for its transaction."""

    user_ids: list[int]
    type: str
    data: Data
    store: bool


def emit(
    session: Session, user_ids: Iterable[int], type: str, data: Data, *, store: bool = False
) -> None:
    """Queue an event for these users; ``data`` may be a callable run after the flush."""
    ids = sorted(set(user_ids))
    if ids:
        session.info.setdefault(PENDING, []).append(Pending(ids, type, data, store))


def publish_now(user_ids: list[int], type: str, data: dict[str, Any]) -> None:
    """Publish an ephemeral event outside any transaction (typing, presence)."""
    from app.realtime.bus import get_bus

    get_bus().publish(
        {
            "users": user_ids,
            "event": {"id": None, "type": type, "data": data},
            "sent_at": time.time(),
        }
    )


def _before_commit(session: Session) -> None:
    pending: list[Pending] = session.info.pop(PENDING, [])
    if not pending:
        return
    session.flush()
    ready = session.info.setdefault(READY, [])
    for item in pending:
        data = item.data() if callable(item.data) else item.data
        if not item.store:
            ready.append(
                {"users": item.user_ids, "event": {"id": None, "type": item.type, "data": data}}
            )
            continue
        rows = session.execute(
            insert(StoredEvent).returning(StoredEvent.id, StoredEvent.user_id),
            [{"user_id": uid, "type": item.type, "data": data} for uid in item.user_ids],
        ).all()
        ids = {row.user_id: row.id for row in rows}
        ready.append(
            {"users": item.user_ids, "ids": ids, "event": {"type": item.type, "data": data}}
        )


def _after_commit(session: Session) -> None:
    ready = session.info.pop(READY, [])
    if not ready:
        return
    from app.realtime.bus import get_bus

    bus = get_bus()
    for message in ready:
        message["sent_at"] = time.time()
        bus.publish(message)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint rolled back; the transaction and its events go on
    session.info.pop(PENDING, None)
    session.info.pop(READY, None)


def install() -> None:
    """Attach the hooks to every SQLAlchemy session (once per process)."""
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
