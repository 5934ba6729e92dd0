"""Search posts, people and tags: PostgreSQL full text or SQLite FTS5 behind one interface."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Integer,
    Result,
    Row,
    Select,
    String,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
    union_all,
)

from app.accounts.models import User
from app.cache import lookup, store
from app.dbsetup import PREPARED, RECENT, RECENT_SQL
from app.extensions import db
from app.pagination import Page, cut_page, decode_cursor, keyset_page
from app.posts.models import Post, Tag
from app.posts.queries import PostView, core_rows, ids_in, views_for, views_in_order
from app.safety.queries import hidden_ids, not_hidden
from app.timeutil import isoformat, utcnow

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
        if ranks_every_match():
            return _search_posts_ranked(query, limit=limit, cursor=cursor, viewer=viewer)
        return _search_posts_postgresql(query, limit=limit, cursor=cursor, viewer=viewer)
    # Not bm25: it weighs terms by statistics of the whole table, so every new post would move
    # every score and a cursor would skip or repeat results. Matches counted in the post
    # alone (tags weigh more) keep a walk exact, as ts_rank_cd does on PostgreSQL.
    rank = (TAGS_WEIGHT * _fts5_hits(1) + _fts5_hits(0) + 0.0).label("rank")
    statement = (
        select(Post, rank)
        .join(POSTS_FTS, POSTS_FTS.c.rowid == Post.id)
        .where(text("posts_fts MATCH :match").bindparams(match=_fts5_expression(query)))
        .where(not_hidden(Post.author_id, viewer, muted=False), Post.draft == false())
    )
    page = keyset_page(
        statement,
        key=(rank, Post.id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (float(row.rank), row[0].id),
    )
    return page.with_items(views_for([post for post, _ in page.items], viewer))


# The RUM index (migration 0013) keeps each word's positions and weights in its posting lists,
# so it ranks every match without reading a row; without it PostgreSQL falls back to the
# window below. docs/search.md has the measurements behind both.
RUM_INDEX = "ix_posts_search_rum"
# A tie this large is walked by id instead (the PK index, newest first, each row checked):
# reading it whole in distance order would read every one of its rows on every page.
BIG_TIE = 2000
# A query's first keys are cached for everyone (the page's limit is at most 100, plus one
# to tell whether a next page exists); ranking every match is the one costly part of a search.
FIRST_KEYS = 101
SEARCH_CACHE_SECONDS = 60.0
# A post written just before a ranking began but committed after it has an older time: the
# check for new matches looks back this far before the ranking (as the home feed does).
SEARCH_MARGIN = timedelta(seconds=10)
# Where a round of _by_distance says the page needs nothing more from the index.
DONE = (-1.0, -1)
# A match RUM scores 0 is infinitely far, which JSON cannot carry in a cursor.
FAR = 1e30


def ranks_every_match() -> bool:
    """Tell whether PostgreSQL has the RUM index, so search ranks every match (asked once)."""
    if db.engine.dialect.name != "postgresql":
        return False
    if not current_app.config.get("SEARCH_RANK_EVERY_MATCH", True):
        return False
    found = current_app.extensions.get("search.rum_index")
    if found is None:
        found = db.session.scalar(select(func.to_regclass(RUM_INDEX))) is not None
        current_app.extensions["search.rum_index"] = found
    return found


def _distance(tsquery) -> ColumnElement[float]:
    """Return RUM's distance of a post to the query (1 / cover density; lower is better)."""
    vector = literal_column("posts.search_vector")
    return func.least(vector.op("<=>", return_type=Float)(tsquery), literal(FAR, Float))


def _search_posts_ranked(
    query: ParsedQuery, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Rank every match, best first (distance, then newest id); cursors walk each post once.

    The cursor carries the last distance and id, and whether its tie was walked by id (big)
    or read whole in distance order (small).
    """
    after = decode_cursor(cursor, float, int, int)
    tsquery = func.websearch_to_tsquery("english", _websearch_text(query))
    want = limit + 1
    keys = None if after else _first_keys(tsquery, _websearch_text(query), viewer, want)
    if keys is None:
        keys = _ranked_keys(tsquery, not_hidden(Post.author_id, viewer, muted=False), after, want)
    page = cut_page(keys, limit=limit, key=lambda key: key)
    ids = [post_id for _, post_id, _ in page.items]
    return page.with_items(views_in_order(ids, viewer))


def _first_keys(
    tsquery, text_: str, viewer: User | None, want: int
) -> list[tuple[float, int, int]] | None:
    """Return a first page's keys from a shared ranking and the matches since, or None.

    The ranking (a query's first FIRST_KEYS keys, for everyone) is kept SEARCH_CACHE_SECONDS
    however many posts are written meanwhile; only an edit anywhere drops it (the
    ``post-edits`` namespace: an edit can make an old post match). Each request then reads,
    in one statement, the ranking's head again (twice the page; all of it when deletions or
    blocks leave too few) and the matches written since the ranking began: a deleted post is
    gone and an author hidden from the viewer (blocked either way) is left out. The ranked
    posts keep their distances: a post's words change only by an edit, which drops the
    ranking. None when too few are left to fill the page.
    """
    ttl = float(current_app.config.get("SEARCH_CACHE_SECONDS", SEARCH_CACHE_SECONDS))
    if ttl <= 0:
        return None

    def produce() -> dict:
        began = utcnow()
        keys = _ranked_keys(tsquery, true(), None, FIRST_KEYS)
        return {"at": isoformat(began), "keys": [list(key) for key in keys]}

    # The namespace's version and the ranking in one round trip (cache.lookup).
    seen, cached = lookup("post-edits", f"search:{text_}")
    if cached is None:
        cached = produce()
        store("post-edits", f"search:{text_}", seen, ttl, cached)
    keys = [(float(d), int(post_id), int(big)) for d, post_id, big in cached["keys"]]
    since = datetime.fromisoformat(cached["at"].replace("Z", "+00:00")) - SEARCH_MARGIN
    # The ranking's head is enough for a page unless deletions or blocks thin it out: read
    # twice the page first, all of the ranking only then.
    if since < utcnow() - RECENT / 2:
        return None  # older than the prepared statement may look back (dbsetup.RECENT)
    head = keys[: 2 * want]
    found = _fresh_keys(text_, viewer, keys, head, since, want)
    if found is None and len(head) < len(keys):
        found = _fresh_keys(text_, viewer, keys, keys, since, want)
    return found


def _fresh_keys(
    text_: str,
    viewer: User | None,
    keys: list[tuple[float, int, int]],
    read: list[tuple[float, int, int]],
    since: datetime,
    want: int,
) -> list[tuple[float, int, int]] | None:
    """Read ``read`` (the ranking's first keys) and the matches since; None when too few."""
    values: dict[str, object] = {"ids": [key[1] for key in read] or [0], "since": since}
    values.update(q=text_, viewer_id=viewer.id if viewer is not None else 0)
    statement = _fresh_statement(db.engine.dialect.name, viewer is not None)
    rows = core_rows(statement, values)
    big = {key[1]: key[2] for key in keys}
    ranked = {key[1]: key[0] for key in read}
    big_ties = {key[0] for key in keys if key[2]}
    fresh = []
    # Unpacked, not read by name: a Row's attribute costs about a microsecond (bench/pages.py).
    for ident, distance in rows:
        if distance is None:  # a ranked post: its distance is the ranking's
            distance = ranked[ident]
        fresh.append((distance, ident, big.get(ident, int(distance in big_ties))))
    fresh.sort(key=lambda key: (key[0], -key[1]))
    if len(read) < len(keys) or len(keys) >= FIRST_KEYS:
        # Past the last key read, other posts may come first: they are the next pages'.
        last = (read[-1][0], -read[-1][1])
        fresh = [key for key in fresh if (key[0], -key[1]) <= last]
        if len(fresh) < want:
            return None
    return fresh[:want]


@cache
def _fresh_statement(_dialect: str, for_viewer: bool) -> CompoundSelect:
    """Select (id, distance) of the cached posts still matching, and of the matches since.

    Built once (building it per request cost more CPU than PostgreSQL spends running it);
    each request binds the words, the ids, the time and the viewer.
    """
    vector = literal_column("posts.search_vector")
    # Parsed once per run (an InitPlan): under a generic plan, the function in the expressions
    # parsed the words again for every row, twice (0.30 ms against 0.13 for 42 rows).
    tsquery = select(
        func.websearch_to_tsquery("english", bindparam("q", type_=String))
    ).scalar_subquery()
    # IS TRUE keeps the RUM index out: the rows come by id and from the time index.
    matches = vector.op("@@")(tsquery).is_(true())
    viewer_id = bindparam("viewer_id", type_=Integer)
    shown = Post.author_id.not_in(hidden_ids(viewer_id, muted=False)) if for_viewer else true()
    columns = (Post.id, _distance(tsquery).label("distance"))
    # The ranked posts: still there and shown, nothing more. Their words (and so their match
    # and distance) change only by an edit, which drops the ranking ("post-edits"); reading
    # them again took two thirds of this statement's time (each post's vector decompressed).
    unread = cast(null(), Float).label("distance")
    known = select(Post.id, unread).where(ids_in(Post.id, "ids"), shown)
    since = bindparam("since", type_=Post.created_at.type)
    recent = literal_column(RECENT_SQL)  # prepared: its plan must see that "since" is recent
    new = select(*columns).where(
        Post.created_at > since,
        Post.created_at > recent,
        ids_in(Post.id, "ids", negate=True),
        matches,
        shown,
    )
    return union_all(known, new).execution_options(**PREPARED)  # every search page runs it


def _ranked_keys(
    tsquery, hidden: ColumnElement[bool], after: tuple | None, want: int
) -> list[tuple[float, int, int]]:
    """Return the ``want`` keys after the cursor in rank order: (distance, id, big tie)."""
    keys: list[tuple[float, int, int]] = []
    floor: tuple[float, int | None] | None = (after[0], after[1]) if after else None
    if after and after[2]:
        keys = [(after[0], i, 1) for i in _tie(tsquery, hidden, after[0], after[1], want)]
        floor = (after[0], None)
    # Each round ends at the page's end, at the last match, or past a big tie walked whole.
    while len(keys) < want and floor != DONE:
        more, floor = _by_distance(tsquery, hidden, floor, want - len(keys))
        keys += more
    return keys


def _by_distance(
    tsquery,
    hidden: ColumnElement[bool],
    floor: tuple[float, int | None] | None,
    count: int,
) -> tuple[list[tuple[float, int, int]], tuple[float, int | None] | None]:
    """Return up to ``count`` keys after ``floor`` in rank order, and where to go on from.

    ``floor`` is the cursor's distance and id (its tie was small: what is left of it comes
    first) or its distance alone (its big tie was walked to its end: only farther ones).
    The index breaks ties by row position, so each tie is read whole and ordered here; a tie
    still going after BIG_TIE rows is walked by id instead. Rows are streamed from one index
    scan, so only the rows the page needs are read (the ranking itself is the scan's start).
    """
    vector = literal_column("posts.search_vector")
    distance = _distance(tsquery)
    big = int(current_app.config.get("SEARCH_BIG_TIE", BIG_TIE))
    statement = select(Post.id, distance.label("distance")).where(vector.op("@@")(tsquery), hidden)
    if floor is not None:
        past = distance > floor[0] if floor[1] is None else distance >= floor[0]
        statement = statement.where(past)
    # The bare operator, as the index's ordering operator: the index returns this order.
    statement = statement.order_by(vector.op("<=>", return_type=Float)(tsquery))
    keys: list[tuple[float, int, int]] = []
    tie: list[Row] = []  # the current tie's rows after the cursor
    last: float | None = None  # the current tie's distance
    seen = 0  # the current tie's rows, those before the cursor too
    result = _stream(statement)
    try:
        for row in result:
            if row.distance != last:
                keys += _in_rank_order(tie)
                if len(keys) >= count:
                    return keys[:count], DONE
                tie, last, seen = [], row.distance, 0
            seen += 1
            if _after_floor(row, floor):
                tie.append(row)
            if seen >= big:
                break
    finally:
        result.close()
    if seen < big:
        return (keys + _in_rank_order(tie))[:count], DONE
    # The page ends inside a big tie: its newest ids, below the cursor's if it is the same.
    assert last is not None
    own = floor is not None and floor[1] is not None and last == floor[0]
    ids = _tie(tsquery, hidden, last, floor[1] if own else None, count - len(keys))
    # A big tie that ran out before the page did: the next round starts past it.
    return keys + [(last, post_id, 1) for post_id in ids], (last, None)


def _after_floor(row: Row, floor: tuple[float, int | None] | None) -> bool:
    """Tell whether a row comes after the cursor (rows of its own small tie may not)."""
    if floor is None or floor[1] is None or row.distance != floor[0]:
        return True
    return row.id < floor[1]


def _in_rank_order(rows: Iterable[Row]) -> list[tuple[float, int, int]]:
    """Sort rows on (distance, newest id first) into small-tie keys."""
    ordered = sorted(rows, key=lambda row: (row.distance, -row.id))
    return [(row.distance, row.id, 0) for row in ordered]


def _tie(
    tsquery, hidden: ColumnElement[bool], distance: float, below: int | None, count: int
) -> list[int]:
    """Return the newest ``count`` ids at one distance (below ``below``), walking the PK index."""
    vector = literal_column("posts.search_vector")
    statement = select(Post.id).where(
        # IS TRUE hides the match from every index: the planner walks ids newest first and
        # stops at ``count``, as a big tie holds a good share of the posts it walks.
        vector.op("@@")(tsquery).is_(true()),
        _distance(tsquery) == distance,
        hidden,
    )
    if below is not None:
        statement = statement.where(Post.id < below)
    result = _stream(statement.order_by(Post.id.desc()))
    try:
        return [row.id for row in result.fetchmany(count)]
    finally:
        result.close()


def _stream(statement: Select) -> Result:
    """Run a statement as a server-side cursor, to read only the rows the loop asks for.

    Without a LIMIT the planner plans a cursor for its first rows (cursor_tuple_fraction):
    the RUM scan in distance order, the PK index newest first. With one, it misjudges how
    many rows match a query and sorts every match (seconds; docs/search.md).
    """
    return db.session.execute(statement, execution_options={"yield_per": 100})


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
    return page.with_items(views_in_order(ids, viewer, hide_blocked=True))


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
