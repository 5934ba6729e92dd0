"""Search posts, people and tags: PostgreSQL full text or SQLite FTS5 behind one interface."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import column, func, literal_column, or_, select, table, text, tuple_

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, decode_cursor, encode_cursor
from app.posts.models import Post, Tag
from app.posts.queries import PostView, views_for

SEARCH_TYPES = ("posts", "users", "tags")
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
    """Return the posts matching the query, best match first."""
    query = parse(raw)
    if query.empty:
        return Page([], None)
    after = decode_cursor(cursor, float, int)
    if db.engine.dialect.name == "postgresql":
        tsquery = func.websearch_to_tsquery("english", _websearch_text(query))
        vector = literal_column("posts.search_vector")
        rank = func.ts_rank_cd(vector, tsquery, 32).label("rank")
        statement = select(Post, rank).where(vector.op("@@")(tsquery))
        if after:
            statement = statement.where(tuple_(rank, Post.id) < tuple_(*after))
        statement = statement.order_by(rank.desc(), Post.id.desc())
    else:
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
