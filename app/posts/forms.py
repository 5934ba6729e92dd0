"""Forms for posts and comments; the rules live in app/posts/rules.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class PostForm(FlaskForm):
    """Write or edit a post."""

    body = TextAreaField(_l("Post"))
    tags = StringField(_l("Tags"))
    # The draft the composer's autosave keeps (empty until its first save).
    draft_id = HiddenField()

    def draft_number(self) -> int | None:
        """Return the draft id the form names, or None (no draft, or not a possible id)."""
        raw = self.draft_id.data or ""
        return int(raw) if raw.isdigit() and 0 < int(raw) <= 2**31 - 1 else None

    def tag_list(self) -> list[str]:
        """Split the tags field on commas and spaces."""
        raw = (self.tags.data or "").replace(",", " ")
        return [part for part in raw.split() if part]


class CommentForm(FlaskForm):
    """Write a comment or a reply."""

    body = TextAreaField(_l("Comment"))
    # A label of its own, never shown: without one WTForms translates "Parent Id", loading its
    # message catalog from disk on every post page (1 ms of CPU, bench/pages.py --profile).
    parent_id = HiddenField(label="")
