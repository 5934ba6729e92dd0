"""Your data's forms: they read the fields and carry CSRF; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class DeleteAccountForm(FlaskForm):
    """Confirm deleting the account: the password (or the username), and a code with 2FA on."""

    password = PasswordField(_l("Your password"))
    username = StringField(_l("Type your username to confirm"))
    code = StringField(_l("Code from your app, or a recovery code"))

    def __init__(self, *args, **kwargs) -> None:
        # Prefixed: the settings page has other password and code fields.
        super().__init__(*args, prefix="delete", **kwargs)


class CancelDeletionForm(FlaskForm):
    """Cancel a pending deletion: a code too when two-factor sign-in is on."""

    code = StringField(_l("Code from your app, or a recovery code"))
