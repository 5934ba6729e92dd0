"""Your data as payloads: an export's state, and the requests that delete an account or keep it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.accounts import rules
from app.accounts.payloads import AnyCode
from app.payloads import Id, Payload, Request, Time, choice, text
from app.timeutil import isoformat
from app.yourdata.models import EXPORT_STATUSES, DataExport


class ExportStatus(Payload):
    """One export of your data: being built, ready to download (until it expires), or failed."""

    id: Id
    status: choice(EXPORT_STATUSES)  # type: ignore[valid-type]
    created_at: Time
    download_url: Annotated[
        str,
        Field(
            description="While ready: where the zip is downloaded, with your access token "
            "(a page address works too, signed in)."
        ),
    ] = ""
    expires_at: Annotated[
        Time | None, Field(description="While ready: when the zip is removed.")
    ] = None


class DeleteAccountRequest(Request):
    """Confirm deleting your account: your password (or, without one, your username)."""

    password: (
        text(  # type: ignore[valid-type]
            rules.PASSWORD_MAX, description="Your password (accounts that have one)."
        )
        | None
    ) = None
    username: (
        text(  # type: ignore[valid-type]
            rules.EMAIL_MAX,
            description="Your username, typed to confirm (accounts without a password, made "
            "with GitHub).",
        )
        | None
    ) = None
    code: AnyCode | None = None  # type: ignore[valid-type]


class DeletionScheduled(Payload):
    """Your account is inactive now and will be erased at ``erase_at``."""

    erase_at: Time


class CancelDeletionRequest(Request):
    """Sign in to an account waiting for deletion, and cancel the deletion."""

    login: text(rules.EMAIL_MAX, description="Username or email address.")  # type: ignore[valid-type]
    password: text(rules.PASSWORD_MAX)  # type: ignore[valid-type]
    code: AnyCode | None = None  # type: ignore[valid-type]


def export_status(export: DataExport) -> ExportStatus:
    """Return an export as its owner sees it."""
    if export.status == "ready":
        return ExportStatus(
            id=export.id,
            status=export.status,
            created_at=isoformat(export.created_at),
            download_url=f"/api/v1/me/exports/{export.id}/download",
            expires_at=isoformat(export.expires_at),
        )
    return ExportStatus(id=export.id, status=export.status, created_at=isoformat(export.created_at))
