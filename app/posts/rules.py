"""Post and comment rules, written once for the pages and the API."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.errors import ValidationError

BODY_MAX = 10_000
COMMENT_MAX = 5_000
TAGS_MAX = 5
TAG_RE = re.compile(r"^[a-z0-9_-]{1,30}$")
# What str.strip() removes, spelled out: regex engines disagree on what \s means.
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# What check_body accepts, as one pattern for the API's schema: something besides whitespace,
# and no NUL anywhere.
BODY_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
# What normalize_tags reads as a tag: spaces around, "#" in front, any case.
TAG_REQUEST_PATTERN = (
    rf"^[{WHITESPACE}]*#*" + TAG_RE.pattern[1:-1].replace("a-z", "A-Za-z") + rf"[{WHITESPACE}]*$"
)


def check_body(body: str, *, limit: int = BODY_MAX, field: str = "body") -> str:
    """Return the body without outer blank lines; 422 when empty or too long."""
    body = body.replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise ValidationError(_("Write something first."), {field: [_("Write something first.")]})
    if len(body) > limit:
        message = _("Use at most %(n)d characters (this has %(m)d).", n=limit, m=len(body))
        raise ValidationError(message, {field: [message]})
    if "\x00" in body:
        raise ValidationError(
            _("Remove the NUL characters."), {field: [_("Remove the NUL characters.")]}
        )
    return body


def normalize_tags(requested: list[str] | None, found_in_body: list[str]) -> list[str]:
    """Merge the tags asked for with the body's hashtags; 422 for a bad tag or more than five."""
    errors: list[str] = []
    tags: list[str] = []
    for raw in requested or []:
        tag = raw.strip().lstrip("#").lower()
        if not TAG_RE.match(tag):
            errors.append(_("“%(tag)s” is not a tag: use 1 to 30 of a-z, 0-9, _ and -.", tag=raw))
        elif tag not in tags:
            tags.append(tag)
    for tag in found_in_body:
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        errors.append(_("Use at most %(n)d tags (this has %(m)d).", n=TAGS_MAX, m=len(tags)))
    if errors:
        raise ValidationError(_("Some tags need attention."), {"tags": errors})
    return tags
