"""API routes for your data: exports, deleting your account, and cancelling in time."""

from __future__ import annotations

from flask import Response

from app.accounts import tokens
from app.accounts.auth import client_info, login_limits
from app.accounts.payloads import TokenPair, token_pair
from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.timeutil import isoformat
from app.yourdata import queries, services
from app.yourdata.downloads import send_export
from app.yourdata.payloads import (
    CancelDeletionRequest,
    DeleteAccountRequest,
    DeletionScheduled,
    ExportStatus,
    export_status,
)

EXPORT_ID = {"export_id": "One of your exports' ids; another person's, or an expired one, is 404."}


@bp.post("/me/export")
@operation(
    "Ask for a copy of your data",
    "Your data",
    {202: ("Queued: a job builds the zip and mails you when it is ready.", ExportStatus)},
    errors=(409, 429),
    auth=True,
    description="409 while an export is being built; 429 (with `Retry-After`) within "
    "`EXPORT_INTERVAL_HOURS` (24) of the last ready one.",
)
def request_export():
    """Queue an export of the caller's data."""
    return export_status(services.request_export(user=api_user())), 202


@bp.get("/me/exports/<id:export_id>")
@operation(
    "One of your exports",
    "Your data",
    {200: ("Its state; `download_url` and `expires_at` while it is ready.", ExportStatus)},
    auth=True,
    path=EXPORT_ID,
)
def get_export(export_id: int):
    """Return the state of one of the caller's exports."""
    return export_status(queries.export_of(api_user(), export_id))


@bp.get("/me/exports/<id:export_id>/download")
@operation(
    "Download one of your exports",
    "Your data",
    {200: ("The zip (README.txt inside says what each file holds).", None)},
    auth=True,
    path=EXPORT_ID,
    file_type="application/zip",
    description="404 while it is not ready, once it has expired, and for another person's.",
)
def download_export(export_id: int) -> Response:
    """Stream one of the caller's ready exports as a zip."""
    user = api_user()
    return send_export(user, queries.export_of(user, export_id))


@bp.delete("/me")
@operation(
    "Delete your account",
    "Your data",
    {
        202: (
            "Every sign-in ends now and the account is hidden; it is erased at `erase_at` "
            "(`ACCOUNT_DELETION_GRACE_DAYS`, 14 by default, after now) unless the deletion is "
            "cancelled (`POST /auth/deletion/cancel`).",
            DeletionScheduled,
        )
    },
    body=DeleteAccountRequest,
    auth=True,
    errors=(429,),
    description="With a password: `password`. Without one (made with GitHub): `username`, "
    "typed. With two-factor sign-in on: `code` too (wrong codes count towards the lockout).",
)
def delete_me(body: DeleteAccountRequest):
    """Schedule the caller's account for erasure; every sign-in ends at once."""
    user = services.request_deletion(
        user=api_user(),
        password=body.password or "",
        username=body.username or "",
        code=body.code or "",
    )
    return DeletionScheduled(erase_at=isoformat(user.deletion_due_at)), 202


@bp.post("/auth/deletion/cancel")
@login_limits
@operation(
    "Cancel your account's deletion and sign in",
    "Auth",
    {200: ("The deletion is cancelled; a new token pair.", TokenPair)},
    body=CancelDeletionRequest,
    errors=(409, 429),
    description="What to do with the 403 `account_pending_deletion` of `/auth/login`: the same "
    "credentials (and `code` with two-factor sign-in on). 409 when the account is not waiting "
    "for deletion, or its erasure has begun.",
)
def cancel_deletion(body: CancelDeletionRequest):
    """Cancel a pending deletion with the account's credentials and sign in."""
    user = services.cancel_deletion_with_password(
        login=body.login, password=body.password, code=body.code or ""
    )
    return token_pair(user, tokens.sign_in(user, **client_info()))
