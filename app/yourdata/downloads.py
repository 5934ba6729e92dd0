"""Hand an export's zip to its owner: streamed from disk, never served as a static file."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import gettext as _

from app.accounts.models import User
from app.errors import NotFound
from app.yourdata.models import DataExport


def send_export(user: User, export: DataExport) -> Response:
    """Stream a ready export as an attachment; 404 while it is not ready or its file is gone."""
    path = Path(current_app.config["EXPORT_DIR"]) / (export.file_name or "")
    if export.status != "ready" or not export.file_name or not path.is_file():
        raise NotFound(_("That export is not ready, or it has expired."))
    day = export.created_at.strftime("%Y-%m-%d")
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"devthread-{user.username}-{day}.zip",
        max_age=0,
        conditional=False,
    )
    # Personal data: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    return response
