"""What the settings page's "Your data" section shows: the latest export and the delete form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_login import current_user

from app.timeutil import utcnow
from app.yourdata.forms import DeleteAccountForm
from app.yourdata.queries import current_export


def your_data_settings(
    delete_form: DeleteAccountForm | None = None, export_notice: str = ""
) -> dict[str, Any]:
    """Return the template values of the "Your data" and "Delete account" sections."""
    export = current_export(current_user)
    grace_days = current_app.config["ACCOUNT_DELETION_GRACE_DAYS"]
    expires = export.expires_at if export is not None else None
    return {
        "export": export,
        "export_expires": format_datetime(expires, "medium") if expires else "",
        "export_notice": export_notice,
        "delete_form": delete_form or DeleteAccountForm(formdata=None),
        "grace_days": grace_days,
        "grace_date": format_date(utcnow() + timedelta(days=grace_days), "long"),
    }
