"""Search posts, people and tags: PostgreSQL full text or SQLite FTS5 behind one interface."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import (
    ColumnElement,
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
from app.pagination import Page, cut_page, decode_cursor, keyset_page
from app.posts.models import Post, Tag
from app.posts.queries import PostView, views_for
from app.safety.queries import not_hidden

SEARCH_TYPES = ("posts", "users", "tags")
MAX_QUERY = 200
WORD_RE = re.compile(r"\w+", re.UNICODE)
# SQLite's FTS5 index of posts (made by the migration, unknown to the models).
POSTS_FTS = table("posts_fts", column("rowid"))
# On SQLite, a match in the tags counts this many times one in the body.
TAGS_WEIGHT = 3


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


def _fts5_hits(column_index: int) -> ColumnElement[int]:
    """Count the matches FTS5 marks in one column of the current row (each opens with char(1))."""
    marked = func.highlight(literal_column("posts_fts"), column_index, func.char(1), "")
    return func.length(marked) - func.length(func.replace(marked, func.char(1), ""))


def _websearch_text(query: ParsedQuery) -> str:
    """Rebuild a clean websearch_to_tsquery string from the parsed parts."""
    parts = list(query.words)
    parts += ['"' + " ".join(p) + '"' for p in query.phrases]
    parts += [f"-{w}" for w in query.excluded]
    return " ".join(parts)


def search_posts(
    raw: str, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Return the posts matching the query, best match first."""
    query = parse(raw)
    if query.empty:
        return Page([], None)
    if db.engine.dialect.name == "postgresql":
        return _search_posts_postgresql(query, limit=limit, cursor=cursor, viewer=viewer)
    # Not bm25: it weighs terms by statistics of the whole table, so every new post would move
    # every score and a cursor would skip or repeat results. Matches counted in the post
    # alone (tags weigh more) keep a walk exact, as ts_rank_cd does on PostgreSQL.
    rank = (TAGS_WEIGHT * _fts5_hits(1) + _fts5_hits(0) + 0.0).label("rank")
    statement = (
        select(Post, rank)
        .join(POSTS_FTS, POSTS_FTS.c.rowid == Post.id)
        .where(text("posts_fts MATCH :match").bindparams(match=_fts5_expression(query)))
        .where(not_hidden(Post.author_id, viewer, muted=False))
    )
    page = keyset_page(
        statement,
        key=(rank, Post.id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (float(row.rank), row[0].id),
    )
    return page.with_items(views_for([post for post, _ in page.items], viewer))


# PostgreSQL ranks only the newest matches: ranking every match of a common word read every
# matching row (seconds on a million posts; docs/performance.md).
SEARCH_WINDOW = 200
SEARCH_RECENT_SCAN = 10_000
EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)


def _search_posts_postgresql(
    query: ParsedQuery, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Rank the newest matches (SEARCH_WINDOW of them), best first; pages keep that window.

    The cursor carries the last rank and id and the window's oldest post, so a walk returns
    each post of the window once, even while new posts arrive. Ranks are compared in Python,
    as the database returned them, so a cursor always equals the row it came from.
    """
    after = decode_cursor(cursor, float, int, datetime, int)
    tsquery = func.websearch_to_tsquery("english", _websearch_text(query))
    if after:
        rows = _matches_since(tsquery, (after[2], after[3]))
        floor_key: tuple = (after[2], after[3])
    else:
        size = int(current_app.config.get("SEARCH_WINDOW", SEARCH_WINDOW))
        rows = _newest_matches(tsquery, size)
        full = len(rows) >= size
        floor_key = (rows[-1].created_at, rows[-1].id) if full else (EVERYTHING, 0)
    ranked = sorted(((float(row.rank), row.id) for row in rows), reverse=True)
    if after:
        ranked = [key for key in ranked if key < (after[0], after[1])]
    page = cut_page(ranked, limit=limit, key=lambda ranked_key: (*ranked_key, *floor_key))
    ids = [post_id for _, post_id in page.items]
    posts = {
        post.id: post
        for post in db.session.scalars(
            select(Post).where(Post.id.in_(ids), not_hidden(Post.author_id, viewer, muted=False))
        )
    }
    return page.with_items(views_for([posts[i] for i in ids if i in posts], viewer))


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

    First the newest SEARCH_RECENT_SCAN posts in time order; only if they hold too few
    matches, the full-text index over every post (words that rare recently are rare overall).
    One statement: the second pass runs only when its one-time filter lets it.
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


def search_users(
    raw: str, *, limit: int, cursor: str | None, viewer: User | None = None
) -> Page[User]:
    """Return people whose username or display name starts with the query, best known first."""
    pattern = _prefix(raw)
    if pattern is None:
        return Page([], None)
    statement = select(User).where(
        User.suspended.is_(False),
        # Accounts being deleted (and erased ones) are gone, like their profiles.
        User.deletion_due_at.is_(None),
        not_hidden(User.id, viewer, muted=False),
        or_(
            func.lower(User.username).like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        ),
    )
    return keyset_page(statement, key=(User.followers_count, User.id), limit=limit, cursor=cursor)


def search_tags(raw: str, *, limit: int, cursor: str | None) -> Page[Tag]:
    """Return tags starting with the query, most used first."""
    pattern = _prefix(raw)
    if pattern is None:
        return Page([], None)
    statement = select(Tag).where(Tag.name.like(pattern, escape="\\"), Tag.posts_count > 0)
    return keyset_page(statement, key=(Tag.posts_count, Tag.id), limit=limit, cursor=cursor)
