"""Reads of blocks, mutes and reports, and the conditions that hide people from each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    true,
    union_all,
)

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, keyset_page
from app.safety.models import Block, Mute, Report


@dataclass
class Standing:
    """How the viewer stands with another person, as far as safety goes."""

    blocking: bool = False  # the viewer blocked them
    blocked_by: bool = False  # they blocked the viewer
    muting: bool = False  # the viewer muted them


def hidden_ids(viewer_id: int | BindParameter, *, muted: bool = True) -> Select:
    """Return a subquery of the people the viewer must not see: blocked either way (and muted)."""
    parts = [
        select(Block.blocked_id.label("user_id")).where(Block.blocker_id == viewer_id),
        select(Block.blocker_id.label("user_id")).where(Block.blocked_id == viewer_id),
    ]
    if muted:
        parts.append(select(Mute.muted_id.label("user_id")).where(Mute.muter_id == viewer_id))
    return select(union_all(*parts).subquery().c.user_id)


def not_hidden(
    user_column: ColumnElement[int], viewer: User | None, *, muted: bool = True
) -> ColumnElement[bool]:
    """Return the one condition that keeps out rows by people hidden from the viewer."""
    if viewer is None:
        return true()
    return user_column.not_in(hidden_ids(viewer.id, muted=muted))


def standing(viewer: User | None, other: User) -> Standing:
    """Tell whether the viewer blocked, was blocked by, or muted ``other`` (one query)."""
    if viewer is None or viewer.id == other.id:
        return Standing()
    rows = db.session.execute(
        union_all(
            select(Block.blocker_id, Block.blocked_id, literal("block")).where(
                or_(
                    and_(Block.blocker_id == viewer.id, Block.blocked_id == other.id),
                    and_(Block.blocker_id == other.id, Block.blocked_id == viewer.id),
                )
            ),
            select(Mute.muter_id, Mute.muted_id, literal("mute")).where(
                Mute.muter_id == viewer.id, Mute.muted_id == other.id
            ),
        )
    ).all()
    found = {(a, b, kind) for a, b, kind in rows}
    return Standing(
        blocking=(viewer.id, other.id, "block") in found,
        blocked_by=(other.id, viewer.id, "block") in found,
        muting=(viewer.id, other.id, "mute") in found,
    )


def standing_columns(
    viewer_id: BindParameter, other_id: ColumnElement[int]
) -> tuple[ColumnElement[bool], ...]:
    """Return how the viewer stands with ``other_id`` as columns, to read in another statement."""
    # Each an index probe on a primary key: the profile page reads them with its user (one
    # statement instead of four, bench/pages.py).
    return (
        exists()
        .where(Block.blocker_id == viewer_id, Block.blocked_id == other_id)
        .label("standing_blocking"),
        exists()
        .where(Block.blocker_id == other_id, Block.blocked_id == viewer_id)
        .label("standing_blocked_by"),
        exists()
        .where(Mute.muter_id == viewer_id, Mute.muted_id == other_id)
        .label("standing_muting"),
    )


def standing_from(row: Any) -> Standing:
    """Read the columns of ``standing_columns`` back from a row."""
    return Standing(
        blocking=bool(row.standing_blocking),
        blocked_by=bool(row.standing_blocked_by),
        muting=bool(row.standing_muting),
    )


def blocked_by(owner_id: int, viewer: User | None) -> bool:
    """Tell whether ``owner_id`` blocked the viewer (then their profile and posts are 404)."""
    if viewer is None or viewer.id == owner_id:
        return False
    return db.session.get(Block, (owner_id, viewer.id)) is not None


def blocked_by_condition(
    owner_id: ColumnElement[int], viewer_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """Return "``owner_id`` blocked the viewer" as a condition to read in another statement."""
    return exists().where(Block.blocker_id == owner_id, Block.blocked_id == viewer_id)


def blocked_between(user_id: int, other_ids: list[int] | int) -> bool:
    """Tell whether a block stands between a user and any of the others, either way."""
    others = [other_ids] if isinstance(other_ids, int) else list(other_ids)
    others = [o for o in others if o != user_id]
    if not others:
        return False
    found = db.session.scalar(
        select(Block.blocker_id)
        .where(
            or_(
                and_(Block.blocker_id == user_id, Block.blocked_id.in_(others)),
                and_(Block.blocked_id == user_id, Block.blocker_id.in_(others)),
            )
        )
        .limit(1)
    )
    return found is not None


def blocked_among(user_id: int, other_ids: Iterable[int]) -> set[int]:
    """Return which of the others a block separates from the user, either way (one query)."""
    others = {o for o in other_ids if o != user_id}
    if not others:
        return set()
    params = {"user_id": user_id, "others": sorted(others)}
    return set(db.session.scalars(_blocked_among_statement(), params))


@cache
def _blocked_among_statement() -> CompoundSelect:
    # Built once: every socket asks on connect (bench/realtime.py profile, issue 13).
    user_id, others = bindparam("user_id"), bindparam("others", expanding=True)
    return union_all(
        select(Block.blocked_id).where(Block.blocker_id == user_id, Block.blocked_id.in_(others)),
        select(Block.blocker_id).where(Block.blocked_id == user_id, Block.blocker_id.in_(others)),
    )


def _people(
    model, owner_column, other_column, user_id: int, *, limit: int, cursor: str | None
) -> Page[User]:
    query = select(model).where(owner_column == user_id)
    page = keyset_page(query, key=(model.created_at, other_column), limit=limit, cursor=cursor)
    return page.with_items([row.user for row in page.items])


def blocked_users(user: User, *, limit: int, cursor: str | None) -> Page[User]:
    """Return the people a user blocked, most recent first (one query)."""
    return _people(Block, Block.blocker_id, Block.blocked_id, user.id, limit=limit, cursor=cursor)


def muted_users(user: User, *, limit: int, cursor: str | None) -> Page[User]:
    """Return the people a user muted, most recent first (one query)."""
    return _people(Mute, Mute.muter_id, Mute.muted_id, user.id, limit=limit, cursor=cursor)


def open_report(reporter_id: int, target_type: str, target_id: int) -> Report | None:
    """Return the reporter's open report on a target, if any."""
    return db.session.scalar(
        select(Report).where(
            Report.reporter_id == reporter_id,
            Report.target_type == target_type,
            Report.target_id == target_id,
            Report.status == "open",
        )
    )
