"""This process's sockets: who is connected, and one queue per socket.

The bus hands every message to ``hub.deliver``, which only does ``put_nowait`` on the queues
of the sockets concerned, so a slow client never holds up anyone else. A socket has at most
``limit`` events waiting: past that, a stored event is not queued but remembered by id (the
socket replays the stored events from there once it catches up, so it loses none), and an
ephemeral one (typing, presence, a new post) is dropped. Control items (close, resume, the
reader's end) always get in. Each socket's own loop drains its queue and sends; the one exception
is an ephemeral event for a socket whose loop waits with nothing queued, which the bus may write
itself (``Hub.direct``: app.live.ws), handing the loop only what the kernel did not take.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
# A process's sockets beat in this many parts, one part every interval / BEAT_PARTS: 10,000
# sockets in 2 workers beat 50 at a time, five times a second, instead of 250 once a second
# (a notification that came in during such a burst waited behind it; bench/realtime.py).
BEAT_PARTS = 100
_ids = itertools.count(1)


@dataclass(eq=False, slots=True)
class Connection:
    """One open socket of one user."""

    user_id: int
    # The sign-in it was opened with (browser record or the token's sid): ending that one
    # closes this socket, ending another of the user's does not.
    session_id: int | None = None
    format: str = "json"
    username: str = ""
    # Unbounded: the bound is applied to events in ``offer``, so a control item always gets in.
    # A list and an event, not a Queue (three deques and their locks) nor a deque (a block of
    # 64 slots, about 600 bytes): it holds a few items at a time, for the socket's whole life.
    # Slots, no instance dict: 10,000 of them per worker (issue 13).
    items: list = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    id: int = field(default_factory=lambda: next(_ids))
    limit: int = QUEUE_SIZE
    last_event_id: int | None = None
    # Stored events after this id were not queued (the socket was behind): replay from here.
    missed_after: int | None = None
    new_posts: int = 0
    # Its presence's identity in Redis, and what heartbeats it (one function per app, shared by
    # its sockets): called with a part of the process's sockets at a time (``Hub.beat``).
    socket_id: str = ""
    beats: Callable[[list[Connection]], None] | None = None
    # What the bus may write an ephemeral event's frame to at once, without waking the socket's
    # loop (``Hub.direct``), while that loop waits with nothing queued (``busy`` False).
    writer: Any = None
    busy: bool = True

    def offer(self, item: tuple[str, Any, Any]) -> bool:
        """Queue an item without blocking; an event past the limit is remembered or dropped."""
        kind, payload = item[0], item[1]
        if kind == "event" and len(self.items) >= self.limit:
            event_id = payload.get("id")
            if event_id is not None:
                after = int(event_id) - 1
                if self.missed_after is None or after < self.missed_after:
                    self.missed_after = after
            return False
        self.items.append(item)
        self.ready.set()
        return True

    def take(self, timeout: float | None = None) -> tuple[str, Any, Any] | None:
        """Return the next item, waiting at most ``timeout`` seconds (None: nothing came)."""
        while not self.items:
            self.busy = False  # waiting with nothing in hand: the bus may write (Hub.direct)
            self.ready.clear()
            if self.items:  # it came between the check and the clear
                break
            if not self.ready.wait(timeout):
                self.busy = True
                return None
        self.busy = True
        return self.items.pop(0)

    def idle(self) -> bool:
        """Tell whether nothing waits to be sent."""
        return not self.items

    def take_missed(self) -> int | None:
        """Return the id to replay stored events from, if some were not queued, and forget it."""
        after, self.missed_after = self.missed_after, None
        return after


class Hub:
    """The registry of this process's connections, by user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_user: dict[int, set[Connection]] = {}
        self._beats_lock = threading.Lock()
        self._beats_pid: int | None = None
        # Writes an ephemeral event to an idle socket that has a writer, from the bus, without
        # waking the socket's loop; True when it did (app.live.ws sets it).
        self.direct: Callable[[Connection, dict[str, Any], Any], bool] | None = None

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
        sent_at = message.get("sent_at")
        shared = {**event, "id": None}  # one dict for every socket of an ephemeral event
        direct = self.direct
        for uid, conn in targets:
            event_id = ids.get(str(uid), ids.get(uid)) if ids else None
            if event_id is None:
                if direct is not None and conn.writer is not None and direct(conn, shared, sent_at):
                    continue  # written already
                payload = shared
            else:
                payload = {**event, "id": event_id}
            if not conn.offer(("event", payload, sent_at)):
                # A stored one is replayed by the socket later: only the live push is lost.
                metrics.event_dropped("slow_consumer" if event_id is None else "replayed_later")

    def resync_all(self) -> None:
        """Ask every socket to replay stored events it may have missed (after a bus outage)."""
        with self._lock:
            conns = [c for group in self._by_user.values() for c in group]
        for conn in conns:
            conn.offer(("resync", None, None))

    def beat(self, part: int, parts: int) -> int:
        """Heartbeat one part of this process's sockets (by id) and ping them; return how many."""
        with self._lock:
            conns = [c for group in self._by_user.values() for c in group if c.id % parts == part]
        by_hook: dict[Callable[[list[Connection]], None], list[Connection]] = {}
        for conn in conns:
            if conn.beats is not None:
                by_hook.setdefault(conn.beats, []).append(conn)
        for hook, group in by_hook.items():
            try:
                hook(group)  # presence: one round trip for the part
            except Exception:  # retried at the next round; the pings must go on
                log.exception("presence heartbeats failed")
        for conn in conns:
            conn.offer(("beat", None, None))
        return len(conns)

    def start_beats(self, interval: float, parts: int = BEAT_PARTS) -> None:
        """Beat every socket once per ``interval``, one part at a time (once per process).

        One timer for the process instead of a timeout on every wait of every socket (a timer
        object per socket, and one made and cancelled on each delivery); in parts, so that
        10,000 sockets do not all ping and heartbeat presence in the same instant.
        """
        with self._beats_lock:
            if self._beats_pid == os.getpid():
                return
            self._beats_pid = os.getpid()
            thread = threading.Thread(
                target=self._beat_forever, args=(interval, parts), name="devthread-beats"
            )
            thread.daemon = True
            thread.start()

    def _beat_forever(self, interval: float, parts: int) -> None:
        for tick in itertools.count():
            time.sleep(interval / parts)
            try:
                self.beat(tick % parts, parts)
            except Exception:  # a missed beat is retried next round; the beats must go on
                log.exception("socket heartbeats failed")

    def close_user(self, user_id: int) -> None:
        """Close every socket of a user in this process (logout everywhere, suspension)."""
        for conn in self.connections(user_id):
            conn.offer(("close", None, None))


hub = Hub()
