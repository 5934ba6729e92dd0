"""Account forms: they read the fields and carry CSRF; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from app.errors import DomainError
from app.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, offered_time_zones


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField(_l("Username"))
    email = StringField(_l("Email"))
    password = PasswordField(_l("Password"))


class LoginForm(FlaskForm):
    """Sign in with a username or an email address."""

    login = StringField(_l("Username or email"))
    password = PasswordField(_l("Password"))
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(FlaskForm):
    """Edit the public profile."""

    display_name = StringField(_l("Display name"))
    bio = TextAreaField(_l("Bio"))
    location = StringField(_l("Location"))
    website = StringField(_l("Website"))
    dm_policy = RadioField(
        _l("Who can message you"),
        choices=[
            SelectChoice("everyone", _l("Everyone")),
            SelectChoice("following", _l("Only people I follow")),
        ],
        default="everyone",
    )


class LanguageForm(FlaskForm):
    """Choose the language and the time zone of the pages and mails."""

    # The services check both values: the forms only offer them.
    locale = SelectField(_l("Language"), validate_choice=False)
    time_zone = SelectField(_l("Time zone"), validate_choice=False)

    def __init__(self, *args, current_zone: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [
            ("", _l("Same as your browser")),
            *((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
        ]
        zones = offered_time_zones()
        if current_zone and current_zone not in zones:
            zones = (current_zone, *zones)
        self.time_zone.choices = [
            ("", _l("Same as your browser")),
            *((zone, zone.replace("_", " ")) for zone in zones),
        ]


class PasswordForm(FlaskForm):
    """Change the password."""

    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link by mail."""

    email = StringField(_l("Email"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password through a reset link."""

    password = PasswordField(_l("New password"))


class EmailForm(FlaskForm):
    """Change the account's email address (it changes once the new one is confirmed)."""

    email = StringField(_l("New email address"))


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"))


class TotpDisableForm(FlaskForm):
    """Turn two-factor sign-in off: the password and a code."""

    password = PasswordField(_l("Password"))
    code = StringField(_l("Code from your app, or a recovery code"))


class PasskeyForm(FlaskForm):
    """Add a passkey: a name, and the browser's answer (filled in by static/js/passkeys.js)."""

    name = StringField(_l("Name of the passkey"))
    credential = HiddenField()


class PasskeyLoginForm(FlaskForm):
    """Sign in with a passkey: the browser's answer (filled in by static/js/passkeys.js)."""

    credential = HiddenField()
    remember = HiddenField()


class ProviderSignUpForm(FlaskForm):
    """Pick the username of an account made with GitHub."""

    username = StringField(_l("Username"))


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that post."""


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a domain error's messages next to the form's fields, the rest on the form."""
    placed = False
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed:
        form.form_errors.append(error.message)
