"""The feeds' periodic jobs."""

from __future__ import annotations

from app.feeds.queries import refresh_snapshot
from app.jobs import every, job


# One run at a time across hosts (the scheduler queues each minute once); a run overtaken by
# a slow one skips (PostgreSQL advisory lock). A failed run is not retried: the next minute's is.
@job("feeds.refresh_trending", schedule=every(minutes=1), max_retries=0, time_limit=50)
def refresh_trending() -> None:
    """Rank the last week's posts into a new trending snapshot (about 150 ms on 200k posts)."""
    refresh_snapshot()
