"""Search posts, people and tags: PostgreSQL full text or SQLite FTS5 behind one interface."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, after_cursor, decode_cursor, encode_cursor
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
    after = decode_cursor(cursor, float, int)
    if db.engine.dialect.name == "postgresql":
        tsquery = func.websearch_to_tsquery("english", _websearch_text(query))
        vector = literal_column("posts.search_vector")
        # ts_rank_cd is a float4: read as text it rounds, and the cursor would no longer
        # equal the row it came from. As float8 it round-trips exactly.
        rank = cast(func.ts_rank_cd(vector, tsquery, 32), DOUBLE_PRECISION).label("rank")
        statement = select(Post, rank).where(vector.op("@@")(tsquery))
        if after:
            statement = statement.where(after_cursor((rank, Post.id), after))
        statement = statement.order_by(rank.desc(), Post.id.desc())
    else:
        # Not bm25: it weighs terms by statistics of the whole table, so every new post would move
        # every score and a cursor would skip or repeat results. Matches counted in the post
        # alone (tags weigh more) keep a walk exact, as ts_rank_cd does on PostgreSQL.
        rank = (TAGS_WEIGHT * _fts5_hits(1) + _fts5_hits(0) + 0.0).label("rank")
        statement = (
            select(Post, rank)
            .join(POSTS_FTS, POSTS_FTS.c.rowid == Post.id)
            .where(text("posts_fts MATCH :match").bindparams(match=_fts5_expression(query)))
        )
        if after:
            statement = statement.where(after_cursor((rank, Post.id), after))
        statement = statement.order_by(rank.desc(), Post.id.desc())
    statement = statement.where(not_hidden(Post.author_id, viewer, muted=False))
    rows = db.session.execute(statement.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(float(rows[-1][1]), rows[-1][0].id) if more and rows else None
    return Page(views_for([post for post, _ in rows], viewer), next_cursor)


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
        not_hidden(User.id, viewer, muted=False),
        or_(
            func.lower(User.username).like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        ),
    )
    after = decode_cursor(cursor, int, int)
    if after:
        statement = statement.where(after_cursor((User.followers_count, User.id), after))
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
        statement = statement.where(after_cursor((Tag.posts_count, Tag.id), after))
    rows = list(
        db.session.scalars(
            statement.order_by(Tag.posts_count.desc(), Tag.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].posts_count, rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)
