"""Your data's jobs: build an export, erase a deleted account, and their periodic sweeps."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.jobs import enqueue, every, job
from app.mail import send_mail
from app.timeutil import isoformat, utcnow
from app.yourdata import erasure
from app.yourdata.export import build_zip, export_dir, new_file_name
from app.yourdata.models import DataExport
from app.yourdata.queries import due_for_erasure, expired_exports

log = logging.getLogger(__name__)


@job("exports.build", max_retries=3, min_backoff=30, time_limit=1800)
def build_export(export_id: int, base_url: str | None = None) -> None:
    """Build the zip of one export request, then mail its owner that it is ready."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.status != "pending":
        return  # gone, or done by an earlier run: running twice is harmless
    user = db.session.get(User, export.user_id)
    if user is None or user.deletion_due_at is not None:
        db.session.rollback()
        return  # the account is being deleted: its exports go with it
    name = new_file_name()
    path = export_dir() / name
    try:
        size = build_zip(user, path)
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise  # retried; after the last try, export_failed marks it (below)
    now = utcnow()
    export.status = "ready"
    export.file_name = name
    export.size = size
    export.finished_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_TTL_DAYS"])
    send_mail(
        to=user.email,
        locale=user.locale,
        time_zone=user.time_zone,
        template="export_ready",
        context={
            "username": user.username,
            "export_id": export.id,
            "expires_at": isoformat(export.expires_at),
        },
        # The address the owner asked from: a job has no request to read it from.
        base_url=base_url,
    )
    db.session.commit()


@job("exports.fail_stale", schedule=every(minutes=10), max_retries=0, time_limit=60)
def fail_stale_exports() -> None:
    """Mark exports still pending after two hours as failed, so their owners may ask again."""
    # A build that failed for good (its retries spent), or whose job was lost (the in-process
    # queue of a stopped process), leaves its export pending: this sweep lets the owner retry.
    cutoff = utcnow() - timedelta(hours=2)
    for export in db.session.scalars(
        select(DataExport)
        .where(DataExport.status == "pending", DataExport.created_at < cutoff)
        .limit(500)
    ):
        export.status = "failed"
        export.finished_at = utcnow()
    db.session.commit()


@job("exports.prune", schedule=every(hours=1), max_retries=0, time_limit=300)
def prune_exports() -> None:
    """Remove the exports past their download time, files first."""
    folder = Path(current_app.config["EXPORT_DIR"])
    while batch := expired_exports():
        for export in batch:
            if export.file_name:
                (folder / export.file_name).unlink(missing_ok=True)
            db.session.delete(export)
        db.session.commit()


@job("accounts.erase", max_retries=5, min_backoff=60, time_limit=3600)
def erase_account(user_id: int) -> None:
    """Erase one deleted account whose grace period is over (safe to run twice)."""
    erasure.erase_account(user_id)


@job("accounts.erase_due", schedule=every(minutes=15), max_retries=0, time_limit=60)
def erase_due_accounts() -> None:
    """Queue the erasure of every account whose grace period has ended."""
    for user_id in due_for_erasure():
        enqueue(erase_account, user_id)
    db.session.commit()
