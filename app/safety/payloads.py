"""Reports, and the people you blocked or muted, as payloads."""

from __future__ import annotations

from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import Field

from app.accounts.payloads import PROFILE_HINT, ProfileText, Username, UserSummary
from app.payloads import Hint, Id, ItemsPage, Payload, Request, Time, WholeNumber, choice, text
from app.safety.models import (
    NOTE_MAX,
    REPORT_REASONS,
    REPORT_STATUSES,
    REPORT_TARGETS,
)
from app.safety.models import Report as ReportRow
from app.timeutil import isoformat


class UserSummaryList(ItemsPage[UserSummary]):
    """A page of people (those you blocked or muted)."""


class NewReport(Request):
    """What to report to the moderators, and why."""

    target_type: choice(REPORT_TARGETS)  # type: ignore[valid-type]
    target_id: Annotated[
        # Any whole number: an id no row can have is simply not found (404).
        WholeNumber | Username,  # type: ignore[valid-type]
        Field(description="A post or comment id (none: 404); for a user, their username."),
        Hint(_l("Use a post or comment id, or a username.")),
    ]
    reason: choice(REPORT_REASONS)  # type: ignore[valid-type]
    note: text(NOTE_MAX, pattern=ProfileText, hint=PROFILE_HINT) | None = None  # type: ignore[valid-type]


class Report(Payload):
    """A report as its reporter sees it."""

    id: Id
    target_type: choice(REPORT_TARGETS)  # type: ignore[valid-type]
    target_id: Id
    reason: choice(REPORT_REASONS)  # type: ignore[valid-type]
    note: str
    status: choice(REPORT_STATUSES)  # type: ignore[valid-type]
    created_at: Time


def report_payload(report: ReportRow) -> Report:
    """Return a report (what its reporter may see of it)."""
    return Report(
        id=report.id,
        target_type=report.target_type,
        target_id=report.target_id,
        reason=report.reason,
        note=report.note,
        status=report.status,
        created_at=isoformat(report.created_at),
    )
