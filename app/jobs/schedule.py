"""Schedules of periodic jobs, and the scheduler that queues each of their runs exactly once.

Time is cut into slots (a minute, a day from 03:00 UTC...). Each scheduler (one per worker, on
every host) looks at the clock about once a second; the first to claim a slot's key in Redis
(SET NX with an expiry) queues that run, the others see the claim and do nothing. A slot missed
while no scheduler ran is not made up, except the current one: a worker that starts runs the
slot it starts in, if nobody did.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

DAY = 86400


@dataclass(frozen=True)
class Schedule:
    """Every ``period`` seconds, starting ``offset`` seconds into each period (UTC)."""

    period: int
    offset: int = 0
    label: str = ""

    def slot(self, now: float) -> int:
        """Return the number of the slot ``now`` falls in."""
        return int((now - self.offset) // self.period)

    def starts(self, slot: int) -> float:
        """Return when a slot begins (seconds since the epoch)."""
        return slot * self.period + self.offset

    def __str__(self) -> str:
        return self.label or f"every {self.period} s"


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> Schedule:
    """Run every so long, on the clock's round numbers (every minute: at :00 seconds)."""
    period = seconds + 60 * minutes + 3600 * hours
    if period < 1:
        raise ValueError("a period of at least one second")
    return Schedule(period=period, label=f"every {period} s")


def daily(at: str) -> Schedule:
    """Run once a day at ``HH:MM`` UTC."""
    hours, _, minutes = at.partition(":")
    offset = int(hours) * 3600 + int(minutes or 0) * 60
    if not 0 <= offset < DAY:
        raise ValueError(f"not a time of day: {at!r}")
    return Schedule(period=DAY, offset=offset, label=f"daily at {at} UTC")


class Periodic(Protocol):
    """A job as the scheduler sees it."""

    name: str
    schedule: Schedule | None


class Claims(Protocol):
    """Where schedulers claim slots and leave their heartbeat (Redis, or this process)."""

    def claim(self, key: str, ttl: float) -> bool: ...

    def beat(self, now: float) -> None: ...


class Scheduler:
    """Queue the periodic jobs' runs that are due; several schedulers share the work."""

    def __init__(
        self,
        backend: Claims,
        jobs: Callable[[], Iterable[Periodic]],
        *,
        send: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self._jobs = jobs
        self.send = send
        self.clock = clock
        # The last slot this scheduler saw claimed, by job: Redis is asked once per slot.
        self.seen: dict[str, int] = {}

    @property
    def jobs(self) -> list[Periodic]:
        """Return the periodic jobs, read from the registry each time (tests declare more)."""
        return [job for job in self._jobs() if job.schedule is not None]

    def tick(self, now: float | None = None) -> list[str]:
        """Queue the runs due now that no other scheduler claimed; return their jobs' names."""
        now = self.clock() if now is None else now
        queued = []
        for job in self.jobs:
            assert job.schedule is not None
            slot = job.schedule.slot(now)
            if self.seen.get(job.name) == slot:
                continue
            # Kept two periods, so that a slow scheduler cannot claim the slot again.
            if self.backend.claim(f"{job.name}:{slot}", ttl=2 * job.schedule.period):
                self.send(job.name)
                queued.append(job.name)
            self.seen[job.name] = slot
        self.backend.beat(now)
        return queued

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick until ``stop`` is set; a failed tick is logged and tried again."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("jobs: the scheduler's tick failed; trying again")
            stop.wait(interval)

    def describe(self) -> list[dict[str, Any]]:
        """Name each periodic job and its schedule (for the worker's start-up line)."""
        return [{"job": job.name, "schedule": str(job.schedule)} for job in self.jobs]
