"""The report form: it reads the fields and carries CSRF; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField

from app.safety.models import REPORT_REASONS

REASON_LABELS = {
    "spam": _l("Spam"),
    "abuse": _l("Abuse or harassment"),
    "off_topic": _l("Off topic"),
    "other": _l("Something else"),
}


class ReportForm(FlaskForm):
    """Report a post, a comment or a person to the moderators."""

    target_type = HiddenField()
    target_id = HiddenField()
    # Any value reaches the service, which names the bad ones (422) the same for pages and API.
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(r, REASON_LABELS[r]) for r in REPORT_REASONS],
        validate_choice=False,
    )
    note = TextAreaField(_l("Anything the moderators should know? (optional)"))
