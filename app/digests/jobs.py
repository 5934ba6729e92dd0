"""Digest mails: a daily and a weekly job mail each subscriber what they missed.

Idempotent per slot: each person's ``last_digest_at`` is set in the batch that mails them, and a
run only picks people whose last digest is older than the slot's start, so a second run of the
same slot (another worker, a retry after a crash) mails nobody twice. Batched by id: one
transaction and a few statements per person, never the whole list in memory.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.digests.queries import digest_of, due_batch
from app.extensions import db
from app.jobs import Schedule, daily, job
from app.jobs.schedule import DAY
from app.mail import public_url, send_mail
from app.notifications.models import DigestSetting
from app.notifications.unsubscribe import DIGEST, unsubscribe_url
from app.timeutil import utcnow

log = logging.getLogger(__name__)

DAILY = daily("07:00")
# The epoch fell on a Thursday: four days on is a Monday.
WEEKLY = Schedule(period=7 * DAY, offset=4 * DAY + 7 * 3600, label="weekly on Monday at 07:00 UTC")
PERIODS = {"daily": (DAILY, timedelta(days=1)), "weekly": (WEEKLY, timedelta(days=7))}
BATCH = 200


@job("digests.daily", schedule=DAILY, max_retries=2, time_limit=3600)
def send_daily_digests() -> None:
    """Mail today's digest to everyone who asked for a daily one."""
    send_digests("daily")


@job("digests.weekly", schedule=WEEKLY, max_retries=2, time_limit=3600)
def send_weekly_digests() -> None:
    """Mail this week's digest to everyone who asked for a weekly one."""
    send_digests("weekly")


def send_digests(frequency: str, *, now: float | None = None) -> int:
    """Mail the digests of one frequency still due in the current slot; return how many."""
    schedule, period = PERIODS[frequency]
    now = time.time() if now is None else now
    slot_start = datetime.fromtimestamp(schedule.starts(schedule.slot(now)), UTC)
    base_url = public_url()
    sent, after_id = 0, 0
    while True:
        batch = due_batch(frequency, before=slot_start, after_id=after_id, size=BATCH)
        if not batch:
            break
        stamp = utcnow()
        for row in batch:
            since = row.last_digest_at or stamp - period
            content = digest_of(row.user_id, since=since)
            if content["notifications"] or content["posts"]:
                link = unsubscribe_url(base_url, row.user_id, DIGEST)
                send_mail(
                    to=row.email,
                    template="digest",
                    context={
                        **content,
                        "username": row.username,
                        "frequency": frequency,
                        "unsubscribe_url": link,
                    },
                    locale=row.locale,
                    time_zone=row.time_zone,
                    base_url=base_url,
                    unsubscribe_url=link,
                )
                sent += 1
        db.session.execute(
            update(DigestSetting)
            .where(DigestSetting.user_id.in_([row.user_id for row in batch]))
            .values(last_digest_at=stamp)
            .execution_options(synchronize_session=False)
        )
        # The mails are queued with this commit: a crash before it sends none and marks none.
        db.session.commit()
        after_id = batch[-1].user_id
    log.info("digests: %d %s digests queued", sent, frequency)
    return sent
