"""This process's sockets: who is connected, and one bounded queue per socket.

The bus hands every message to ``hub.deliver``, which only does ``put_nowait`` on the queues
of the sockets concerned: a slow or dead client overflows its own queue and is closed (it will
reconnect and resume); it never holds up anyone else. Each socket's own loop drains its queue
and is the only one to send on that socket.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 256
_ids = itertools.count(1)


@dataclass(eq=False)
class Connection:
    """One open socket of one user."""

    user_id: int
    # The sign-in it was opened with (browser record or the token's sid): ending that one
    # closes this socket, ending another of the user's does not.
    session_id: int | None = None
    format: str = "json"
    queue: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=QUEUE_SIZE))
    id: int = field(default_factory=lambda: next(_ids))
    overflowed: bool = False
    last_event_id: int | None = None
    new_posts: int = 0

    def offer(self, item: tuple[str, Any]) -> bool:
        """Queue an item without blocking; on overflow, ask the socket to close."""
        try:
            self.queue.put_nowait(item)
            return True
        except queue.Full:
            self.overflowed = True
            return False


class Hub:
    """The registry of this process's connections, by user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[int, set[Connection]] = {}

    def add(self, connection: Connection) -> int:
        """Register a connection; return how many this user now has here."""
        with self._lock:
            conns = self._by_user.setdefault(connection.user_id, set())
            conns.add(connection)
            return len(conns)

    def remove(self, connection: Connection) -> int:
        """Forget a connection; return how many this user still has here."""
        with self._lock:
            conns = self._by_user.get(connection.user_id)
            if not conns:
                return 0
            conns.discard(connection)
            if not conns:
                del self._by_user[connection.user_id]
                return 0
            return len(conns)

    def connections(self, user_id: int) -> list[Connection]:
        """Return this user's connections in this process."""
        with self._lock:
            return list(self._by_user.get(user_id, ()))

    def count(self) -> int:
        """Return how many sockets this process holds."""
        with self._lock:
            return sum(len(c) for c in self._by_user.values())

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand a bus message to the queues of the sockets it concerns."""
        from app.observability import metrics

        users = message.get("users")
        ids = message.get("ids") or {}
        event = message["event"]
        with self._lock:
            targets = [
                (uid, conn)
                for uid in (users if users is not None else list(self._by_user))
                for conn in self._by_user.get(int(uid), ())
            ]
        for uid, conn in targets:
            event_id = ids.get(str(uid), ids.get(uid)) if ids else None
            if not conn.offer(("event", {**event, "id": event_id}, message.get("sent_at"))):
                metrics.event_dropped("slow_consumer")

    def resync_all(self) -> None:
        """Ask every socket to replay stored events it may have missed (after a bus outage)."""
        with self._lock:
            conns = [c for group in self._by_user.values() for c in group]
        for conn in conns:
            conn.offer(("resync", None, None))

    def close_user(self, user_id: int) -> None:
        """Close every socket of a user in this process (logout everywhere, suspension)."""
        for conn in self.connections(user_id):
            conn.offer(("close", None, None))


hub = Hub()
