"""Keyset pagination: opaque cursors and the limit rule shared by pages and the API."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, tuple_

from app import jsonread
from app.errors import BadRequest, ValidationError
from app.timeutil import isoformat

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Every integer a cursor carries is compared with a 32-bit database column: larger ones would
# overflow PostgreSQL's int4 (an error, not an empty page).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass
class Page(Generic[T]):
    """One page of a list and the cursor of the next one (None at the end)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    """Pack the sort key of the last item into an opaque string."""
    packed = [isoformat(v) if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(packed, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """Unpack a cursor made by ``encode_cursor`` into values of ``kinds``; 400 if it is not one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = jsonread.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        out: list[Any] = []
        for kind, value in zip(kinds, values, strict=True):
            if kind is datetime:
                out.append(_utc(datetime.fromisoformat(value.replace("Z", "+00:00"))))
            elif kind is int and isinstance(value, int) and not isinstance(value, bool):
                if not INT_MIN <= value <= INT_MAX:
                    raise ValueError("out of range")
                out.append(value)
            elif kind is float and isinstance(value, (int, float)):
                out.append(float(value))
            else:
                raise ValueError("wrong type")
        return tuple(out)
    except (
        ValueError,
        TypeError,
        AttributeError,
        OverflowError,
        binascii.Error,
        UnicodeDecodeError,
    ) as exc:
        raise BadRequest(_("That cursor is not one this server made.")) from exc


def _utc(value: datetime) -> datetime:
    """Return the time in UTC, reading a time without a zone as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def after_cursor(
    columns: Sequence[ColumnElement[Any]], values: Sequence[Any], *, descending: bool = True
) -> ColumnElement[bool]:
    """Return the keyset condition "comes after the cursor" for a list sorted on ``columns``."""
    # Bind the values with the columns' own types: an aware datetime would otherwise be sent to
    # PostgreSQL as timestamptz and compared in the session's time zone, not in UTC.
    key = tuple_(*columns)
    cursor = tuple_(*values, types=[column.type for column in columns])
    return key < cursor if descending else key > cursor


def parse_limit(value: str | int | None) -> int:
    """Read ``?limit=``: 1 to 100, 20 when absent; 422 otherwise."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(
            _("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT),
            {"limit": [_("Use a number from 1 to %(max)d.", max=MAX_LIMIT)]},
        )
    return limit
