"""Message forms; the rules live in app/messaging/services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class StartForm(FlaskForm):
    """Start a conversation with someone."""

    username = StringField(_l("Username"))


class MessageForm(FlaskForm):
    """Write a message."""

    body = TextAreaField(_l("Message"))
