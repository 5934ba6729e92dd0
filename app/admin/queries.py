"""Reads for the admin pages: totals, daily series, people, reports by target, the audit log.

Every list loads in a fixed number of queries, whatever its length."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import distinct, false, func, or_, select, tuple_, union

from app.accounts.models import ROLES, User
from app.accounts.rules import identity_key
from app.admin.models import AuditEntry
from app.extensions import db
from app.pagination import Page, keyset_page
from app.posts.models import Comment, Post, Reaction
from app.safety.models import ID_MAX, Report
from app.timeutil import utcnow

DAYS = 30
TARGET_RE = re.compile(r"^(post|comment|user)[:#\s]?(\d{1,10})$", re.IGNORECASE)


@dataclass
class Totals:
    """The numbers at the top of the dashboard."""

    users: int
    posts: int
    comments: int
    open_reports: int
    suspended: int


@dataclass
class Series:
    """One count per day, oldest first."""

    key: str
    days: list[date]
    values: list[int]

    @property
    def total(self) -> int:
        """Return the sum over the whole period."""
        return sum(self.values)


def totals() -> Totals:
    """Count people, posts, comments, open reports and suspended accounts (one query)."""
    row = db.session.execute(
        select(
            select(func.count(User.id)).scalar_subquery(),
            select(func.count(Post.id)).scalar_subquery(),
            select(func.count(Comment.id)).where(Comment.deleted_at.is_(None)).scalar_subquery(),
            select(func.count(Report.id)).where(Report.status == "open").scalar_subquery(),
            select(func.count(User.id)).where(User.suspended.is_(True)).scalar_subquery(),
        )
    ).one()
    return Totals(*(int(value or 0) for value in row))


def _period(days: int) -> tuple[list[date], datetime]:
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    return [first + timedelta(days=i) for i in range(days)], datetime.combine(first, time(), UTC)


def _as_date(value) -> date:
    """Read a day from the database: a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_day(column, start: datetime, *conditions) -> dict[date, int]:
    day = func.date(column)
    rows = db.session.execute(
        select(day, func.count()).where(column >= start, *conditions).group_by(day)
    ).all()
    return {_as_date(d): int(n) for d, n in rows}


def _active_per_day(start: datetime) -> dict[date, int]:
    """Count distinct people who posted, commented or reacted, per day."""
    acts = union(
        select(func.date(Post.created_at).label("day"), Post.author_id.label("uid")).where(
            Post.created_at >= start, Post.draft == false()
        ),
        select(func.date(Comment.created_at), Comment.author_id).where(Comment.created_at >= start),
        select(func.date(Reaction.created_at), Reaction.user_id).where(
            Reaction.created_at >= start
        ),
    ).subquery()
    rows = db.session.execute(
        select(acts.c.day, func.count(distinct(acts.c.uid))).group_by(acts.c.day)
    ).all()
    return {_as_date(d): int(n) for d, n in rows}


def _open_at_end_of_day(days: list[date], start: datetime) -> dict[date, int]:
    """Count the reports still open at the end of each day (the moderation backlog)."""
    rows = db.session.execute(
        select(Report.created_at, Report.resolved_at).where(
            or_(Report.resolved_at.is_(None), Report.resolved_at >= start)
        )
    ).all()
    out: dict[date, int] = {}
    for day in days:
        end = datetime.combine(day + timedelta(days=1), time(), UTC)
        out[day] = sum(
            1
            for created, resolved in rows
            if created < end and (resolved is None or resolved >= end)
        )
    return out


def daily(days: int = DAYS) -> list[Series]:
    """Return sign-ups, posts, comments, active people and open reports per day (five queries)."""
    period, start = _period(days)
    counts = {
        "signups": _per_day(User.created_at, start),
        "posts": _per_day(Post.created_at, start, Post.draft == false()),
        "comments": _per_day(Comment.created_at, start),
        "active": _active_per_day(start),
        "open_reports": _open_at_end_of_day(period, start),
    }
    return [
        Series(key, period, [by_day.get(day, 0) for day in period])
        for key, by_day in counts.items()
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter_key(text: str) -> str:
    """Return the identity key of a name or email typed into a filter (NUL dropped)."""
    # No name or address holds NUL, and PostgreSQL refuses it in a parameter (a 500).
    return identity_key(text.replace("\x00", "").strip().lstrip("@"))


def users_page(
    *,
    q: str = "",
    role: str = "",
    suspended: str = "",
    limit: int,
    cursor: str | None,
) -> Page[User]:
    """Return accounts newest first, by username or email prefix, role and suspension."""
    # An erased account is a tombstone without a name or an address: nothing to moderate.
    query = select(User).where(User.erased_at.is_(None))
    q = _filter_key(q)[:254]
    if q:
        pattern = _escape_like(q) + "%"
        query = query.where(
            or_(
                User.username_key.like(pattern, escape="\\"),
                User.email_key.like(pattern, escape="\\"),
            )
        )
    if role in ROLES:
        query = query.where(User.role == role)
    if suspended in ("yes", "no"):
        query = query.where(User.suspended.is_(suspended == "yes"))
    return keyset_page(query, key=(User.created_at, User.id), limit=limit, cursor=cursor)


@dataclass
class Activity:
    """What someone did and what others reported about them."""

    comments: int
    recent_posts: list[Post]
    reports: list[Report]
    open_reports: int


def activity(user: User, *, recent: int = 5, reports: int = 20) -> Activity:
    """Return a person's comment count, latest posts and the reports about them (four queries)."""
    comments = db.session.scalar(
        select(func.count(Comment.id)).where(
            Comment.author_id == user.id, Comment.deleted_at.is_(None)
        )
    )
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.author_id == user.id, Post.draft == false())
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(recent)
        )
    )
    against = list(
        db.session.scalars(
            select(Report)
            .where(Report.target_user_id == user.id)
            .order_by(Report.id.desc())
            .limit(reports)
        )
    )
    open_count = db.session.scalar(
        select(func.count(Report.id)).where(
            Report.target_user_id == user.id, Report.status == "open"
        )
    )
    return Activity(int(comments or 0), posts, against, int(open_count or 0))


@dataclass
class ReportGroup:
    """The open reports about one target, with the target in context."""

    target_type: str
    target_id: int
    first_id: int
    reports: list[Report] = field(default_factory=list)
    post: Post | None = None  # the post, or the post a reported comment is on
    comment: Comment | None = None
    person: User | None = None  # who the reports are about

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """Return each reason given and how often, most frequent first."""
        return Counter(r.reason for r in self.reports).most_common()

    @property
    def gone(self) -> bool:
        """Tell whether the reported post or comment no longer exists."""
        if self.target_type == "post":
            return self.post is None
        if self.target_type == "comment":
            return self.comment is None or self.comment.deleted_at is not None
        return self.person is None


def report_groups(*, limit: int, cursor: str | None) -> Page[ReportGroup]:
    """Return open reports grouped by target, oldest first (a queue), in six queries at most."""
    first_id = func.min(Report.id)
    query = (
        select(Report.target_type, Report.target_id, first_id)
        .where(Report.status == "open")
        .group_by(Report.target_type, Report.target_id)
    )
    page = keyset_page(
        query,
        key=(first_id,),
        descending=False,
        having=True,
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row[2],),
    )
    groups = {(t, i): ReportGroup(t, i, f) for t, i, f in page.items}
    if groups:
        _fill_groups(groups)
    return page.with_items(list(groups.values()))


def _fill_groups(groups: dict[tuple[str, int], ReportGroup]) -> None:
    """Load the reports, the content and the people of the groups, a query per kind."""
    for report in db.session.scalars(
        select(Report)
        .where(
            Report.status == "open",
            tuple_(Report.target_type, Report.target_id).in_(list(groups)),
        )
        .order_by(Report.id)
    ):
        groups[(report.target_type, report.target_id)].reports.append(report)
    ids = {kind: [i for t, i in groups if t == kind] for kind in ("post", "comment")}
    comments = {}
    if ids["comment"]:
        comments = {
            c.id: c
            for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids["comment"])))
        }
    post_ids = set(ids["post"]) | {c.post_id for c in comments.values()}
    found_posts = (
        {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
        if post_ids
        else {}
    )
    people_ids = {g.reports[0].target_user_id for g in groups.values() if g.reports}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people_ids)))}
    for group in groups.values():
        if group.target_type == "comment":
            group.comment = comments.get(group.target_id)
            group.post = found_posts.get(group.comment.post_id) if group.comment else None
        elif group.target_type == "post":
            group.post = found_posts.get(group.target_id)
        if group.reports:
            group.person = people.get(group.reports[0].target_user_id)


def audit_page(
    *, actor: str = "", action: str = "", target: str = "", limit: int, cursor: str | None
) -> Page[AuditEntry]:
    """Return audit entries newest first, by actor, action and target ("post:12" or a name)."""
    query = select(AuditEntry)
    actor = _filter_key(actor)
    if actor:
        staff = select(User.id).where(User.username_key == actor)
        query = query.where(AuditEntry.actor_id.in_(staff))
    if action:
        query = query.where(AuditEntry.action == action)
    target = target.strip().lstrip("@")
    if target:
        match = TARGET_RE.match(target)
        if match:
            # An id PostgreSQL cannot hold matches nothing (and must not reach the database).
            ident = int(match.group(2))
            query = query.where(
                AuditEntry.target_type == match.group(1).lower(),
                AuditEntry.target_id == (ident if ident <= ID_MAX else -1),
            )
        else:
            person = select(User.id).where(User.username_key == _filter_key(target))
            query = query.where(AuditEntry.target_user_id.in_(person))
    return keyset_page(query, key=(AuditEntry.id,), limit=limit, cursor=cursor)
