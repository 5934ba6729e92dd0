"""Admin forms: they read the fields and carry CSRF; the rules live in app/admin/services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField

from app.accounts.models import ROLES

ROLE_LABELS = {"user": _l("User"), "moderator": _l("Moderator"), "admin": _l("Admin")}


class ReasonForm(FlaskForm):
    """An action that needs a reason (suspend, reinstate, remove content)."""

    reason = TextAreaField(_l("Reason (kept in the audit log)"))


class RoleForm(FlaskForm):
    """Change someone's role (admins only)."""

    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], validate_choice=False
    )
    reason = TextAreaField(_l("Reason (optional)"))


class ResolveForm(FlaskForm):
    """Settle the reports on one target."""

    action = HiddenField()
    reason = TextAreaField(_l("Reason"))
