"""Keyset pagination: one helper runs a page of any list, with opaque cursors and one limit rule.

Every list, page or API, reads ``?limit=`` and ``?cursor=`` with ``page_params`` and runs its
query through ``keyset_page``; lists whose plan is not one plain query (the home feed's two
passes, trending, PostgreSQL search) read the cursor with ``decode_cursor`` and cut their rows
with ``cut_page``, so every cursor is made the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, DateTime, Float, Integer, Numeric, Select, tuple_
from sqlalchemy.types import TypeDecorator

from app import jsonread
from app.errors import BadRequest, ValidationError
from app.extensions import db
from app.timeutil import isoformat

T = TypeVar("T")
U = TypeVar("U")

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

    def with_items(self, items: list[U]) -> Page[U]:
        """Return the same page holding other items (its rows turned into what the list shows)."""
        return Page(items, self.next_cursor)


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
    if len(columns) == 1:
        # A plain comparison, bound with the column's type: the statement the lists by id had.
        (column,), (value,) = columns, values
        return column < value if descending else column > value
    # Bind the values with the columns' own types: an aware datetime would otherwise be sent to
    # PostgreSQL as timestamptz and compared in the session's time zone, not in UTC.
    key = tuple_(*columns)
    cursor = tuple_(*values, types=[column.type for column in columns])
    return key < cursor if descending else key > cursor


def cursor_kinds(columns: Sequence[ColumnElement[Any]]) -> tuple[type, ...]:
    """Return the Python kinds a cursor over ``columns`` carries: datetime, int or float."""
    kinds: list[type] = []
    for column in columns:
        sql_type = column.type
        if isinstance(sql_type, TypeDecorator):
            sql_type = sql_type.impl_instance
        if isinstance(sql_type, DateTime):
            kinds.append(datetime)
        elif isinstance(sql_type, Integer):
            kinds.append(int)
        elif isinstance(sql_type, (Float, Numeric)):
            kinds.append(float)
        else:
            raise TypeError(f"no cursor kind for a sort column of type {sql_type!r}")
    return tuple(kinds)


def cut_page(rows: Sequence[T], *, limit: int, key: Callable[[T], Sequence[Any]]) -> Page[T]:
    """Cut rows read one past the page (``limit`` + 1) into a page and the next page's cursor.

    ``key`` returns the sort key of a row, which the cursor carries.
    """
    items = list(rows[:limit])
    more = len(rows) > limit
    return Page(items, encode_cursor(*key(items[-1])) if more and items else None)


def keyset_page(
    query: Select,
    *,
    key: Sequence[ColumnElement[Any]],
    limit: int,
    cursor: str | None,
    descending: bool = True,
    row_key: Callable[[Any], Sequence[Any]] | None = None,
    having: bool = False,
) -> Page[Any]:
    """Run ``query`` as one page of a list sorted on ``key`` (unique), after the cursor.

    One statement. The items are what the query selects: the entity when it selects one, else
    rows. ``row_key`` reads the sort key back from an item; by default the item's attributes
    named like the key's columns. ``having`` puts the cursor condition on grouped rows.
    """
    after = decode_cursor(cursor, *cursor_kinds(key))
    if after:
        condition = after_cursor(key, after, descending=descending)
        query = query.having(condition) if having else query.where(condition)
    order = [column.desc() for column in key] if descending else list(key)
    statement = query.order_by(*order).limit(limit + 1)
    if len(query.column_descriptions) == 1:
        rows: Sequence[Any] = db.session.scalars(statement).all()
    else:
        rows = db.session.execute(statement).all()
    return cut_page(rows, limit=limit, key=row_key or _attributes(key))


def _attributes(columns: Sequence[ColumnElement[Any]]) -> Callable[[Any], tuple[Any, ...]]:
    """Read a sort key from an item's attributes named like the columns."""
    names = [column.key for column in columns]
    return lambda item: tuple(getattr(item, name) for name in names)


def page_params(default: int = DEFAULT_LIMIT) -> tuple[int, str | None]:
    """Read a list's ``?limit=`` (422 unless 1-100; ``default`` when absent) and ``?cursor=``."""
    limit = parse_limit(request.args.get("limit"), default=default)
    return limit, request.args.get("cursor") or None


def next_page_url(endpoint: str, page: Page[Any], **values: Any) -> str | None:
    """Return the address of the page after ``page`` (keeping ``?limit=``), or None at its end."""
    if page.next_cursor is None:
        return None
    limit = request.args.get("limit") or None
    return url_for(endpoint, **values, cursor=page.next_cursor, limit=limit)


def parse_limit(value: str | int | None, *, default: int = DEFAULT_LIMIT) -> int:
    """Read ``?limit=``: 1 to 100, ``default`` when absent; 422 otherwise."""
    if value is None or value == "":
        return default
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
