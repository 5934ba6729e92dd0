"""Reads of exports and of accounts waiting for their erasure."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.accounts.models import User
from app.errors import NotFound
from app.extensions import db
from app.pagination import INT_MAX
from app.timeutil import utcnow
from app.yourdata.models import DataExport


def latest_export(user: User) -> DataExport | None:
    """Return the user's newest export request, expired or not (one query)."""
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def _live():
    """Keep exports that can still be read: pending, failed, or ready and not expired."""
    return or_(DataExport.expires_at.is_(None), DataExport.expires_at > utcnow())


def current_export(user: User) -> DataExport | None:
    """Return the user's newest export that has not expired, for the settings page."""
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id, _live())
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def export_of(user: User, export_id: int) -> DataExport:
    """Return one of the user's exports that has not expired; another person's is 404."""
    export = None
    if 0 < export_id <= INT_MAX:
        export = db.session.scalar(
            select(DataExport).where(
                DataExport.id == export_id, DataExport.user_id == user.id, _live()
            )
        )
    if export is None:
        raise NotFound(_("You have no export with that id, or it has expired."))
    return export


def expired_exports(limit: int = 500) -> list[DataExport]:
    """Return exports past their download time (the periodic clean-up removes them)."""
    return list(
        db.session.scalars(
            select(DataExport)
            .where(DataExport.expires_at <= utcnow())
            .order_by(DataExport.expires_at)
            .limit(limit)
        )
    )


def pending_user(user_id: int) -> User | None:
    """Return the account waiting for deletion with this id (the login page's cancel offer)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.pending_deletion else None


def due_for_erasure(limit: int = 100) -> list[int]:
    """Return the ids of accounts whose grace period has ended and that are not erased yet."""
    return list(
        db.session.scalars(
            select(User.id)
            .where(
                User.deletion_due_at.is_not(None),
                User.erased_at.is_(None),
                User.deletion_due_at <= utcnow(),
            )
            .order_by(User.deletion_due_at)
            .limit(limit)
        )
    )
