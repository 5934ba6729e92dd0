"""Feeds: home, latest, trending, tag and profile, each keyset-paginated."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    BindParameter,
    Integer,
    Row,
    Select,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.accounts.sessions import PendingSignIn, note_sign_in, sign_in_columns, sign_in_params
from app.cache import home_namespace, lookup, store
from app.dbsetup import PREPARED, RECENT, RECENT_SQL
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, after_cursor, cut_page, decode_cursor, keyset_page
from app.posts.models import Post, PostTag, Tag, TrendingEntry, TrendingSnapshot
from app.posts.queries import (
    POST_ROW_COLUMNS,
    PostView,
    core_rows,
    ids_in,
    newest_first,
    pinned_then_newest,
    post_row,
    published,
    viewed,
    viewer_columns,
    views_for,
)
from app.posts.rules import TAG_RE
from app.safety.queries import hidden_ids, not_hidden
from app.social.models import Follow
from app.tags.models import TagFollow
from app.timeutil import isoformat, utcnow


class Reader(Protocol):
    """Whom the home feed is read for: a user, or the API's light caller (only the id is read)."""

    @property
    def id(self) -> int: ...


# Trending: Hacker News' gravity over engagement (see docs/feeds.md for why).
TRENDING_WINDOW = timedelta(days=7)
TRENDING_SIZE = 1000
TRENDING_GRAVITY = 1.8
COMMENT_WEIGHT = 2.0
TRENDING_LOCK = 0x7472656E64  # PostgreSQL advisory lock key: one recomputation at a time
# The same formula as score(), ties broken by the newer id as the Python ranking does.
TRENDING_SQL = """
INSERT INTO trending_entries (snapshot, rank, post_id, score)
SELECT :snapshot, row_number() OVER (ORDER BY s.score DESC, s.id DESC), s.id, s.score
FROM (
    SELECT id,
           (1 + reactions_count + :comment_weight * comments_count)::float8
           / power(extract(epoch FROM (:now - created_at))::float8 / 3600 + 2, :gravity) AS score
    FROM posts
    WHERE created_at > :since AND NOT draft
    ORDER BY score DESC, id DESC
    LIMIT :size
) AS s
"""
# The home feed's first pass reads this many of the newest posts (see _home_two_passes).
HOME_SCAN = 5000
# How long the first page's ids of a home feed are kept, and how far back its freshness check
# looks before the moment they were read (a transaction that committed late): docs/feeds.md.
HOME_TTL = 30.0
HOME_MARGIN = timedelta(seconds=10)


def latest(*, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return every post, newest first."""
    return newest_first("latest", _latest, {}, limit=limit, cursor=cursor, viewer=viewer)


def _latest(viewer_id: BindParameter[int] | None) -> Select:
    query = select(Post).where(published())
    return query if viewer_id is None else query.where(Post.author_id.not_in(hidden_ids(viewer_id)))


def _home_sqlite(user: Reader, query: Select) -> Select:
    """Keep the user's posts and those of people or with tags they follow (SQLite's plan)."""
    followed = select(Follow.followee_id).where(Follow.follower_id == user.id)
    tagged = select(PostTag.post_id).where(PostTag.tag_id.in_(_followed_tags(user.id)))
    return query.where(
        or_(Post.author_id == user.id, Post.author_id.in_(followed), Post.id.in_(tagged)),
        not_hidden(Post.author_id, user),
        published(),
    )


def _followed_tags(user_id: int | BindParameter) -> Select:
    """Select the ids of the tags someone follows (the primary key of tag_follows)."""
    return select(TagFollow.tag_id).where(TagFollow.user_id == user_id)


def home(
    *, user: Reader, limit: int, cursor: str | None, sign_in: PendingSignIn | None = None
) -> Page[PostView]:
    """Return the posts of the people and tags the user follows, and the user's own, newest first.

    Its posts are plain rows (``PostRow``: what the API's payloads read). The first page's
    ids are cached for HOME_TTL seconds (see ``_cached_first_page``); the
    posts themselves, their counts and the reader's own reactions and bookmarks are read
    fresh on every request. ``sign_in``, an API token's sign-in, is checked by the posts'
    statement (``app.accounts.sessions.sign_in_columns``): the caller ends the check.
    """
    namespace, key = home_namespace(user.id), f"first:{limit}"
    seen = -1  # a later page is not cached
    if cursor is None:
        seen, value = lookup(namespace, key)
        cached = _cached_first_page(user, value, sign_in) if value is not None else None
        if cached is not None:
            return cached
    computed_at = utcnow()
    page = _home_keys(user, limit=limit, cursor=cursor)
    ids = [ident for ident, _ in page.items]
    views = _home_rows(user, ids, since=computed_at, sign_in=sign_in)[0]
    if cursor is None and views:
        value = {
            "at": isoformat(computed_at),
            "ids": [view.post.id for view in views],
            "times": [isoformat(view.post.created_at) for view in views],
            "next": page.next_cursor,
            # A post older than a full page's last one cannot enter that page.
            "bottom": isoformat(views[-1].post.created_at) if page.next_cursor else None,
        }
        store(namespace, key, seen, HOME_TTL, value)
    return page.with_items(views)


def _cached_first_page(
    user: Reader, value: dict[str, Any], sign_in: PendingSignIn | None
) -> Page[PostView] | None:
    """Return the first page from its cached ids, or None when they are stale.

    Writers pay nothing for this cache: a new post by someone followed is not pushed to the
    followers' entries (36k of them for the busiest author here), the reader checks for one.
    The statement that reads the page's posts by id also asks whether anyone the reader sees
    posted since the ids were found (the time index, then the follows' primary key: well
    under a millisecond). Following, unfollowing, blocking and muting bump the reader's
    version (app.cache.home_namespace), which drops the entry; a deleted post drops it too,
    since its id no longer finds a row. See docs/feeds.md.
    """
    ids = value["ids"]
    # A post whose transaction began before the ids were read but committed after it, with
    # an older time, is not "new": looking back HOME_MARGIN finds it (docs/feeds.md).
    since = _time(value["at"]) - HOME_MARGIN
    if value["bottom"]:
        since = max(since, _time(value["bottom"]))
    if since < utcnow() - RECENT / 2:
        return None  # older than the prepared check may see (dbsetup.RECENT; HOME_TTL is 30 s)
    views, stale = _home_rows(user, ids, since=since, sign_in=sign_in)
    # SQLite gives a deleted post's id to the next post: the time tells them apart.
    if stale or [isoformat(view.post.created_at) for view in views] != value["times"]:
        return None
    return Page(views, value["next"])


def _time(text: str) -> datetime:
    """Read a time written by ``isoformat``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _home_keys(user: Reader, *, limit: int, cursor: str | None) -> Page[tuple[int, datetime]]:
    """Return the (id, created_at) of one page of the home feed, newest first."""
    if db.engine.dialect.name == "postgresql":
        return _home_two_passes(user, limit=limit, cursor=cursor)
    page = keyset_page(
        _home_sqlite(user, select(Post.id, Post.created_at)),
        key=(Post.created_at, Post.id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row.created_at, row.id),
    )
    return page.with_items([(row.id, row.created_at) for row in page.items])


def _home_rows(
    user: Reader, ids: list[int], *, since: datetime, sign_in: PendingSignIn | None = None
) -> tuple[list[PostView], bool]:
    """Read posts by id as the user sees them, and whether their feed got a post after ``since``.

    With ``sign_in``, the same statement checks an API token's sign-in (one round trip fewer).
    """
    if not ids:
        return [], False
    values: dict[str, object] = {"ids": ids, "user_id": user.id, "since": since}
    if sign_in is not None:
        values.update(sign_in_params(sign_in))
    statement = _home_rows_statement(db.engine.dialect.name, sign_in is not None)
    rows = core_rows(statement, values)
    if sign_in is not None and rows:
        note_sign_in(sign_in, rows[0])
    views = [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in rows]
    return views, bool(rows and rows[0].stale)


@cache
def _home_rows_statement(_dialect: str, with_sign_in: bool = False) -> Select:
    """Build the statement of a page's posts, the reader's part and the freshness check once."""
    user_id = bindparam("user_id", type_=Integer)
    newer = aliased(Post, name="newer")
    seen = (
        select(Follow.followee_id)
        .where(Follow.follower_id == user_id, Follow.followee_id.not_in(hidden_ids(user_id)))
        .union_all(select(user_id))
    )
    since = bindparam("since", type_=Post.created_at.type)
    post_since, tag_since = [newer.created_at > since], [PostTag.post_created_at > since]
    if _dialect == "postgresql":  # prepared: its plan must know the time is recent
        post_since.append(newer.created_at > literal_column(RECENT_SQL))
        tag_since.append(PostTag.post_created_at > literal_column(RECENT_SQL))
    fresh = or_(
        exists().where(
            *post_since,
            newer.author_id.in_(seen),
            newer.draft == false(),
            ids_in(newer.id, "ids", negate=True),
        ),
        # A post with a followed tag: read from the tag's (tag_id, post_created_at) index.
        exists().where(
            PostTag.tag_id.in_(_followed_tags(user_id)),
            *tag_since,
            ids_in(PostTag.post_id, "ids", negate=True),
        ),
    )
    checks = sign_in_columns() if with_sign_in else ()
    return (
        select(*POST_ROW_COLUMNS, *viewer_columns(user_id), fresh.label("stale"), *checks)
        .join(User, User.id == Post.author_id)
        .where(ids_in(Post.id, "ids"))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .execution_options(**PREPARED)  # every home page runs it
    )


def _home_two_passes(user: Reader, *, limit: int, cursor: str | None) -> Page[tuple[int, datetime]]:
    """Find the page's posts in a plan whose cost does not depend on who is followed.

    Pass 1 reads the newest HOME_SCAN posts from the time index alone (it carries author_id)
    and keeps the followed authors': enough for anyone who follows active people. Otherwise
    pass 2 reads each followed person's newest posts from their own index and merges them
    (LATERAL). Scanning all posts, as a plain query does, cost 240 ms for someone following
    a dozen quiet accounts. One statement: pass 2 runs only when its one-time filter lets it.
    """
    values = _home_values(user, limit=limit, cursor=cursor)
    rows = db.session.execute(_home_statement("after_id" in values, posts=False), values).all()
    page = cut_page(rows, limit=limit, key=lambda row: (row.created_at, row.id))
    return page.with_items([(row.id, row.created_at) for row in page.items])


def _home_values(user: Reader, *, limit: int, cursor: str | None) -> dict[str, object]:
    """Return the values ``_home_statement`` binds (the cursor's only when there is one)."""
    after = decode_cursor(cursor, datetime, int)
    values: dict[str, object] = {"user_id": user.id, "page": limit + 1, "scan": HOME_SCAN}
    if after:
        values.update(after_time=after[0], after_id=after[1])
    return values


@cache
def _home_statement(with_cursor: bool, *, posts: bool) -> Select:
    """Build the home feed's statement once; each request only binds its values.

    Building it anew took 1.7 ms of CPU per request, more than PostgreSQL spends running it.
    """
    user_id = bindparam("user_id", type_=Integer)
    page = bindparam("page", type_=Integer)  # the page's size + 1

    def before_cursor(statement: Select) -> Select:
        if not with_cursor:
            return statement
        cursor = (
            bindparam("after_time", type_=Post.created_at.type),
            bindparam("after_id", type_=Integer),
        )
        return statement.where(after_cursor((Post.created_at, Post.id), cursor))

    authors = (
        select(Follow.followee_id.label("author_id"))
        # Blocked people cannot be followed; muted ones can, and stay out of the feed.
        .where(Follow.follower_id == user_id, Follow.followee_id.not_in(hidden_ids(user_id)))
        .union_all(select(user_id.label("author_id")))
    )
    # The time index carries draft (migration 0014): drafts are left out on the index alone.
    newest = before_cursor(select(Post.id, Post.created_at, Post.author_id).where(published()))
    newest = (
        newest.order_by(Post.created_at.desc(), Post.id.desc())
        .limit(bindparam("scan", type_=Integer))
        .subquery("newest")
    )
    recent = (
        select(newest.c.id, newest.c.created_at)
        .where(newest.c.author_id.in_(authors))
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(page)
        .cte("recent")
    )
    found = select(func.count()).select_from(recent).scalar_subquery()
    followed = authors.subquery("followed")
    per_author = before_cursor(
        select(Post.id, Post.created_at).where(Post.author_id == followed.c.author_id, published())
    )
    per_author = (
        per_author.order_by(Post.created_at.desc(), Post.id.desc())
        .limit(page)
        .lateral("per_author")
    )
    merged = (
        select(per_author.c.id, per_author.c.created_at)
        .select_from(followed)
        .join(per_author, true())
        .where(found < page)
        .order_by(per_author.c.created_at.desc(), per_author.c.id.desc())
        .limit(page)
    )
    by_authors = union_all(select(recent.c.id, recent.c.created_at).where(found >= page), merged)
    # The followed tags' newest posts, each tag's from its own (tag_id, post_created_at) index,
    # their authors' rows read only to leave out hidden people: (tags followed) x (page) rows.
    tags = _followed_tags(user_id).subquery("tags")
    per_tag = select(PostTag.post_id.label("id"), PostTag.post_created_at.label("created_at"))
    if with_cursor:
        per_tag = per_tag.where(
            after_cursor(
                (PostTag.post_created_at, PostTag.post_id),
                (
                    bindparam("after_time", type_=Post.created_at.type),
                    bindparam("after_id", type_=Integer),
                ),
            )
        )
    per_tag = (
        per_tag.join(Post, Post.id == PostTag.post_id)
        .where(
            PostTag.tag_id == tags.c.tag_id,
            Post.author_id.not_in(hidden_ids(user_id)),
        )
        .order_by(PostTag.post_created_at.desc(), PostTag.post_id.desc())
        .limit(page)
        .lateral("per_tag")
    )
    by_tags = (
        select(per_tag.c.id, per_tag.c.created_at)
        .select_from(tags)
        .join(per_tag, true())
        .order_by(per_tag.c.created_at.desc(), per_tag.c.id.desc())
        .limit(page)
    )
    # UNION, not UNION ALL: a followed person's post with a followed tag comes once.
    both = union(by_authors.subquery("by_authors").select(), by_tags).subquery("both")
    top = (
        select(both.c.id, both.c.created_at)
        .order_by(both.c.created_at.desc(), both.c.id.desc())
        .limit(page)
        .subquery("top")
    )
    if posts:
        return (
            select(Post)
            .join(top, top.c.id == Post.id)
            .order_by(Post.created_at.desc(), Post.id.desc())
        )
    return select(top.c.id, top.c.created_at).order_by(top.c.created_at.desc(), top.c.id.desc())


def by_author(
    author: User, *, limit: int, cursor: str | None, viewer: User | None, pins: bool = True
) -> Page[PostView]:
    """Return one person's posts, pinned ones first, then newest first.

    None across a block; muting does not hide them. The pinned posts (at most PINS_MAX) open
    the first page and are left out of the rest, so a walk returns each post once; the first
    page's other posts make up the limit (at least one). Without ``pins``, strictly newest
    first (a feed reader orders by time).
    """
    values = {"author_id": author.id}
    if not pins:
        return newest_first(
            "by_author_all", _by_author_all, values, limit=limit, cursor=cursor, viewer=viewer
        )
    if cursor is not None:
        return newest_first(
            "by_author", _by_author, values, limit=limit, cursor=cursor, viewer=viewer
        )
    return pinned_then_newest(
        "by_author", _by_author, values, author_id=author.id, limit=limit, viewer=viewer
    )


def _by_author(viewer_id: BindParameter[int] | None) -> Select:
    query = select(Post).where(
        Post.author_id == bindparam("author_id", type_=Integer),
        published(),
        Post.pinned_at.is_(None),
    )
    if viewer_id is None:
        return query
    return query.where(Post.author_id.not_in(hidden_ids(viewer_id, muted=False)))


def _by_author_all(viewer_id: BindParameter[int] | None) -> Select:
    query = select(Post).where(Post.author_id == bindparam("author_id", type_=Integer), published())
    if viewer_id is None:
        return query
    return query.where(Post.author_id.not_in(hidden_ids(viewer_id, muted=False)))


def get_tag(name: str) -> Tag | None:
    """Return the tag with this name, if any."""
    name = name.lower()
    if not TAG_RE.match(name):
        # No tag can have it, and PostgreSQL refuses some strings (NUL) with an error.
        return None
    return db.session.scalar(_tag_statement(), {"name": name})


@cache
def _tag_statement() -> Select:
    # Built once: the tag page asks on every request.
    return select(Tag).where(Tag.name == bindparam("name")).execution_options(**PREPARED)


def tag_for_page(name: str, viewer: User | None) -> tuple[Tag, bool] | None:
    """Return the tag with this name and whether the viewer follows it, in one statement."""
    name = name.lower()
    if not TAG_RE.match(name):
        return None
    if viewer is None:
        tag = db.session.scalar(_tag_statement(), {"name": name})
        return None if tag is None else (tag, False)
    row = db.session.execute(_tag_following_statement(), {"name": name, "viewer_id": viewer.id})
    found = row.first()
    return None if found is None else (found[0], bool(found[1]))


@cache
def _tag_following_statement() -> Select:
    # The tag page's follow button: its state comes with the tag (one statement fewer).
    following = exists().where(
        TagFollow.user_id == bindparam("viewer_id", type_=Integer), TagFollow.tag_id == Tag.id
    )
    return (
        select(Tag, following.label("following"))
        .where(Tag.name == bindparam("name"))
        .execution_options(**PREPARED)
    )


def tag_or_404(name: str) -> Tag:
    """Return the tag with this name, or raise NotFound."""
    tag = get_tag(name)
    if tag is None:
        raise NotFound(_("Nothing is tagged #%(tag)s yet.", tag=name))
    return tag


def by_tag(tag: Tag, *, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return the posts with a tag, newest first, read from the tag's own index."""
    return newest_first(
        "by_tag",
        _by_tag,
        {"tag_id": tag.id},
        limit=limit,
        cursor=cursor,
        viewer=viewer,
        created=PostTag.post_created_at,
        ident=PostTag.post_id,
    )


def _by_tag(viewer_id: BindParameter[int] | None) -> Select:
    query = (
        select(Post)
        .join(PostTag, PostTag.post_id == Post.id)
        .where(PostTag.tag_id == bindparam("tag_id", type_=Integer))
    )
    return query if viewer_id is None else query.where(Post.author_id.not_in(hidden_ids(viewer_id)))


def score(reactions: int, comments: int, age_hours: float) -> float:
    """Rank a post: engagement over (age + 2)^gravity, as Hacker News does."""
    return (1 + reactions + COMMENT_WEIGHT * comments) / math.pow(age_hours + 2, TRENDING_GRAVITY)


def current_snapshot() -> int | None:
    """Return the newest trending snapshot; None before the first one is computed.

    Requests never compute it: the periodic job ``feeds.refresh_trending`` does, once a minute
    (``app/feeds/jobs.py``). It cost a request 120 to 180 ms on 200k posts, once a minute.
    """
    latest_snapshot = _latest_snapshot()
    return latest_snapshot.id if latest_snapshot else None


def _latest_snapshot() -> Row[tuple[int, datetime]] | None:
    return db.session.execute(
        select(TrendingSnapshot.id, TrendingSnapshot.computed_at)
        .order_by(TrendingSnapshot.computed_at.desc())
        .limit(1)
    ).first()


def refresh_snapshot() -> int | None:
    """Compute a new snapshot, unless another process is computing one (then None)."""
    if db.engine.dialect.name == "postgresql" and not db.session.scalar(
        select(func.pg_try_advisory_xact_lock(TRENDING_LOCK))
    ):
        db.session.rollback()
        return None
    return compute_snapshot()


def compute_snapshot() -> int:
    """Score the recent posts and store the ranking as a new snapshot."""
    now = utcnow()
    snapshot = TrendingSnapshot(computed_at=now)
    db.session.add(snapshot)
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        # Scored and ranked by the database: no row of the window travels to Python.
        db.session.execute(
            text(TRENDING_SQL),
            {
                "snapshot": snapshot.id,
                "now": now.replace(tzinfo=None),
                "since": (now - TRENDING_WINDOW).replace(tzinfo=None),
                "comment_weight": COMMENT_WEIGHT,
                "gravity": TRENDING_GRAVITY,
                "size": TRENDING_SIZE,
            },
        )
    else:
        _rank_in_python(snapshot.id, now)
    keep = current_app.config.get("TRENDING_KEEP_SECONDS", 3600)
    db.session.execute(
        delete(TrendingSnapshot).where(TrendingSnapshot.computed_at < now - timedelta(seconds=keep))
    )
    db.session.commit()
    return snapshot.id


def _rank_in_python(snapshot_id: int, now: datetime) -> None:
    rows = db.session.execute(
        select(Post.id, Post.created_at, Post.reactions_count, Post.comments_count).where(
            Post.created_at > now - TRENDING_WINDOW, published()
        )
    ).all()
    ranked = sorted(
        (
            (
                score(
                    r.reactions_count, r.comments_count, (now - r.created_at).total_seconds() / 3600
                ),
                r.id,
            )
            for r in rows
        ),
        reverse=True,
    )[:TRENDING_SIZE]
    if ranked:
        db.session.execute(
            insert(TrendingEntry),
            [
                {"snapshot": snapshot_id, "rank": rank, "post_id": post_id, "score": value}
                for rank, (value, post_id) in enumerate(ranked, start=1)
            ],
        )


def _visible_entry(viewer: User | None):
    """Keep out trending entries whose author the viewer blocked or muted (or who blocked them)."""
    if viewer is None:
        return true()
    hidden_posts = select(Post.id).where(Post.author_id.in_(hidden_ids(viewer.id)))
    return TrendingEntry.post_id.not_in(hidden_posts)


def trending(*, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return recent posts ranked by decayed engagement; a walk stays on one snapshot."""
    after = decode_cursor(cursor, int, int)
    snapshot: int | None
    if after:
        snapshot, after_rank = after
        if db.session.get(TrendingSnapshot, snapshot) is None:
            # That ranking expired: continue from the same place in the newest one.
            snapshot = current_snapshot()
    else:
        snapshot, after_rank = current_snapshot(), 0
    if snapshot is None:
        # Before the job's first run (a new site, a minute at most): nothing is ranked yet.
        return Page([], None)
    # The page's entries first, then their posts: joining before the LIMIT made the database
    # join all the snapshot's entries to posts and authors, then sort them.
    entries = (
        select(TrendingEntry.rank, TrendingEntry.post_id)
        .where(TrendingEntry.snapshot == snapshot, TrendingEntry.rank > after_rank)
        .where(_visible_entry(viewer))
        .order_by(TrendingEntry.rank)
        .limit(limit + 1)
        .subquery("entries")
    )
    rows = db.session.execute(
        select(entries.c.rank, Post)
        .join(Post, Post.id == entries.c.post_id)
        .order_by(entries.c.rank)
    ).all()
    page = cut_page(rows, limit=limit, key=lambda row: (snapshot, row.rank))
    return page.with_items(views_for([post for _, post in page.items], viewer))
