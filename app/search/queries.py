"""Search posts, people and tags: PostgreSQL full text or SQLite FTS5 behind one interface."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import (
    Row,
    Select,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
    union_all,
)

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, decode_cursor, encode_cursor
from app.posts.models import Post, Tag
from app.posts.queries import PostView, views_for

SEARCH_TYPES = ("posts", "users", "tags")
# PostgreSQL ranks this many of the newest matching posts (config SEARCH_WINDOW), looking
# first among the newest SEARCH_RECENT_SCAN posts (see _newest_matches).
SEARCH_WINDOW = 200
SEARCH_RECENT_SCAN = 10_000
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)
MAX_QUERY = 200
WORD_RE = re.compile(r"\w+", re.UNICODE)
# SQLite's FTS5 table (made by migration 0002), as much of it as queries need.
POSTS_FTS = table("posts_fts", column("rowid"))


@dataclass
class ParsedQuery:
    """What a person typed: words, quoted phrases, and -excluded words."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Tell whether nothing positive is left to search for."""
        return not self.words and not self.phrases


def clean(raw: str) -> str:
    """Drop control characters (NUL included) and cap the length."""
    return "".join(ch for ch in raw if ch.isprintable() or ch == " ")[:MAX_QUERY].strip()


def parse(raw: str) -> ParsedQuery:
    """Split a query into words, "quoted phrases" and -excluded words; never fails."""
    query = ParsedQuery()
    text_ = clean(raw)
    for match in re.finditer(r'"([^"]*)"?|(\S+)', text_):
        phrase, token = match.group(1), match.group(2)
        if phrase is not None:
            words = [w.lower() for w in WORD_RE.findall(phrase)]
            if len(words) > 1:
                query.phrases.append(words)
            elif words:
                query.words.append(words[0])
        elif token.startswith("-") and len(token) > 1:
            query.excluded.extend(w.lower() for w in WORD_RE.findall(token[1:]))
        else:
            query.words.extend(w.lower() for w in WORD_RE.findall(token))
    return query


def _fts5_expression(query: ParsedQuery) -> str:
    """Build an FTS5 MATCH expression with every term quoted (FTS5 rejects stray syntax)."""
    parts = [f'"{w}"' for w in query.words]
    parts += ['"' + " ".join(p) + '"' for p in query.phrases]
    expression = " ".join(parts)
    for word in query.excluded:
        expression += f' NOT "{word}"'
    return expression


def _websearch_text(query: ParsedQuery) -> str:
    """Rebuild a clean websearch_to_tsquery string from the parsed parts."""
    parts = list(query.words)
    parts += ['"' + " ".join(p) + '"' for p in query.phrases]
    parts += [f"-{w}" for w in query.excluded]
    return " ".join(parts)


def search_posts(
    raw: str, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Return the posts matching the query, best match first (on PostgreSQL, among the newest)."""
    query = parse(raw)
    if query.empty:
        return Page([], None)
    if db.engine.dialect.name == "postgresql":
        return _search_posts_postgresql(query, limit=limit, cursor=cursor, viewer=viewer)
    after = decode_cursor(cursor, float, int)
    # bm25 is lower for better matches; negate it so both databases sort "higher is better".
    rank = (-func.bm25(literal_column("posts_fts"), 1.0, 3.0)).label("rank")
    statement = (
        select(Post, rank)
        .join(POSTS_FTS, POSTS_FTS.c.rowid == Post.id)
        .where(text("posts_fts MATCH :match").bindparams(match=_fts5_expression(query)))
    )
    if after:
        statement = statement.where(tuple_(rank, Post.id) < tuple_(*after))
    statement = statement.order_by(rank.desc(), Post.id.desc())
    rows = db.session.execute(statement.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(float(rows[-1][1]), rows[-1][0].id) if more and rows else None
    return Page(views_for([post for post, _ in rows], viewer), next_cursor)


def _search_posts_postgresql(
    query: ParsedQuery, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Rank the newest matches (SEARCH_WINDOW of them), best first; pages keep that window.

    Ranking every match reads every matching row: 3 s for a word found in a third of a
    million posts. Only the newest matches are ranked, and the cursor carries the oldest of
    them, so walking the pages returns each post of that window once, even while new posts
    arrive (they may or may not appear). docs/performance.md has the plans.
    """
    after = decode_cursor(cursor, float, int, datetime, int)
    tsquery = func.websearch_to_tsquery("english", _websearch_text(query))
    if after:
        rows = _matches_since(tsquery, after[2:])
        floor_key = after[2:]
    else:
        size = int(current_app.config.get("SEARCH_WINDOW", SEARCH_WINDOW))
        rows = _newest_matches(tsquery, size)
        full = len(rows) >= size
        floor_key = (rows[-1].created_at, rows[-1].id) if full else (EVERYTHING, 0)
    ranked = sorted(((float(row.rank), row.id) for row in rows), reverse=True)
    if after:
        ranked = [key for key in ranked if key < (after[0], after[1])]
    page = ranked[: limit + 1]
    more = len(page) > limit
    page = page[:limit]
    ids = [post_id for _, post_id in page]
    posts = {post.id: post for post in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    found = [posts[post_id] for post_id in ids if post_id in posts]
    next_cursor = encode_cursor(*page[-1], *floor_key) if more and page else None
    return Page(views_for(found, viewer), next_cursor)


def _ranked(source, tsquery, pass_: int = 0) -> Select:
    """Select id, time and rank of a source's rows, and which pass found them."""
    return select(
        source.c.id,
        source.c.created_at,
        func.ts_rank_cd(source.c.vector, tsquery, 32).label("rank"),
        literal(pass_).label("pass_"),
    )


def _newest_matches(tsquery, size: int) -> list[Row]:
    """Return the ``size`` newest matching posts, newest first, in a plan that stays cheap.

    The planner misjudges how many posts two words match together (by 5x here) and so picks
    between walking the time index and the full-text index almost at random: 10 ms or 280 ms
    for the same words. So the choice is made here: first the newest SEARCH_RECENT_SCAN posts
    in time order (the LIMIT inside keeps that plan), and only if they hold too few matches,
    the full-text index over every post: words that rare in recent posts are rare overall.
    Both passes are one statement; the second runs only when its one-time filter lets it.
    """
    vector = literal_column("posts.search_vector")
    scan = int(current_app.config.get("SEARCH_RECENT_SCAN", SEARCH_RECENT_SCAN))
    newest = (
        select(Post.id, Post.created_at, vector.label("vector"))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(scan)
        .subquery("newest")
    )
    recent = (
        _ranked(newest, tsquery, 1)
        .where(newest.c.vector.op("@@")(tsquery))
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(size)
        .cte("recent")
    )
    # An order the time index cannot give, so the planner reads the full-text index.
    not_from_the_time_index = Post.created_at + text("interval '0'")
    everywhere = (
        select(Post.id, Post.created_at, vector.label("vector"))
        .where(vector.op("@@")(tsquery))
        .order_by(not_from_the_time_index.desc(), Post.id.desc())
        .limit(size)
        .subquery("everywhere")
    )
    too_few = select(func.count()).select_from(recent).scalar_subquery() < size
    rows = db.session.execute(
        union_all(select(recent), _ranked(everywhere, tsquery, 2).where(too_few))
    ).all()
    # The second pass, when it ran, found the recent matches again among all the others.
    chosen = [row for row in rows if row.pass_ == 2] or rows
    return sorted(chosen, key=lambda row: (row.created_at, row.id), reverse=True)


def _matches_since(tsquery, floor: tuple[datetime, int]) -> list[Row]:
    """Return every match from the window's oldest post on (the planner knows time ranges)."""
    vector = literal_column("posts.search_vector")
    from_floor = tuple_(Post.created_at, Post.id) >= tuple_(
        *floor, types=[Post.created_at.type, Post.id.type]
    )
    matches = (
        select(Post.id, Post.created_at, vector.label("vector"))
        .where(vector.op("@@")(tsquery), from_floor)
        .subquery("matches")
    )
    return db.session.execute(_ranked(matches, tsquery)).all()


def _prefix(raw: str) -> str | None:
    """Return a LIKE pattern for a name prefix, or None when nothing searchable is left."""
    words = WORD_RE.findall(clean(raw).lstrip("@#").lower())
    if not words:
        return None
    prefix = words[0][:50]
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_users(raw: str, *, limit: int, cursor: str | None) -> Page[User]:
    """Return people whose username or display name starts with the query, best known first."""
    pattern = _prefix(raw)
    if pattern is None:
        return Page([], None)
    statement = select(User).where(
        User.suspended.is_(False),
        or_(
            func.lower(User.username).like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        ),
    )
    after = decode_cursor(cursor, int, int)
    if after:
        statement = statement.where(tuple_(User.followers_count, User.id) < tuple_(*after))
    rows = list(
        db.session.scalars(
            statement.order_by(User.followers_count.desc(), User.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].followers_count, rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)


def search_tags(raw: str, *, limit: int, cursor: str | None) -> Page[Tag]:
    """Return tags starting with the query, most used first."""
    pattern = _prefix(raw)
    if pattern is None:
        return Page([], None)
    statement = select(Tag).where(Tag.name.like(pattern, escape="\\"), Tag.posts_count > 0)
    after = decode_cursor(cursor, int, int)
    if after:
        statement = statement.where(tuple_(Tag.posts_count, Tag.id) < tuple_(*after))
    rows = list(
        db.session.scalars(
            statement.order_by(Tag.posts_count.desc(), Tag.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].posts_count, rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)
