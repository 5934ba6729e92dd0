"""Reads of posts, comments and what the viewer did to them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    Text,
    TypeDecorator,
    all_,
    any_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.dbsetup import PREPARED
from app.extensions import db
from app.pagination import (
    Page,
    after_cursor,
    cursor_kinds,
    cut_page,
    decode_cursor,
    keyset_page,
)
from app.posts.models import (
    REACTION_KINDS,
    Bookmark,
    Comment,
    Post,
    PostRevision,
    PostShape,
    Reaction,
)
from app.safety.queries import blocked_by, blocked_by_condition, hidden_ids, not_hidden


@dataclass(frozen=True, slots=True)
class AuthorRow:
    """What a list of posts shows of an author, read as plain columns."""

    username: str
    display_name: str
    avatar_url: str

    @property
    def name(self) -> str:
        """Return the name to show: the display name, else the username (as ``User.name``)."""
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class PostRow(PostShape):
    """A post read as plain columns for a list: what ``post_payload`` reads of a ``Post``.

    Building ORM objects for a 20-post page and their authors cost about 0.6 ms of CPU, a
    sixth of the API home feed's (bench/inprocess.py); these rows cost a tenth of that.
    """

    id: int
    author: AuthorRow
    author_id: int
    body: str
    body_html: str
    tags_text: str
    created_at: datetime
    edited_at: datetime | None
    comments_count: int
    like_count: int
    love_count: int
    laugh_count: int
    insightful_count: int
    celebrate_count: int
    pinned_at: datetime | None = None
    draft: bool = False


# The columns of PostRow, then the author's, then its pin and draft mark; post_row reads them
# in this order.
POST_ROW_COLUMNS = (
    Post.id,
    Post.author_id,
    Post.body,
    Post.body_html,
    Post.tags_text,
    Post.created_at,
    Post.edited_at,
    Post.comments_count,
    Post.like_count,
    Post.love_count,
    Post.laugh_count,
    Post.insightful_count,
    Post.celebrate_count,
    User.username,
    User.display_name,
    User.avatar_url,
    Post.pinned_at,
    Post.draft,
)


def post_row(row: Row | Sequence) -> PostRow:
    """Return a PostRow from a row that starts with ``POST_ROW_COLUMNS``."""
    return PostRow(row[0], AuthorRow(row[13], row[14], row[15]), *row[1:13], row[16], row[17])


def viewer_columns(viewer_id: ColumnElement[int]) -> tuple[ColumnElement, ColumnElement]:
    """Return the columns of a post row's reactions by the viewer and whether they saved it.

    Read in the same statement as the posts: a second statement for them cost more than
    the database's work (bench/inprocess.py). ``viewed`` reads them back.
    """
    kinds = (
        # The separator written into the SQL: given as a value, SQLAlchemy renders it anew into
        # the statement's text on every run (a regex over the whole statement, every post list).
        select(func.aggregate_strings(Reaction.kind, literal_column("','")))
        .where(Reaction.user_id == viewer_id, Reaction.post_id == Post.id)
        .scalar_subquery()
    )
    saved = exists().where(Bookmark.user_id == viewer_id, Bookmark.post_id == Post.id)
    return kinds.label("my_reactions"), saved.label("bookmarked")


def viewed(post: Post | PostRow, kinds: str | None, saved: bool) -> PostView:
    """Return a post as the viewer sees it, from the values of ``viewer_columns``."""
    mine = sorted(kinds.split(","), key=REACTION_KINDS.index) if kinds else []
    return PostView(post, mine, bool(saved))


@dataclass
class PostView:
    """A post as one viewer sees it: with their reactions and bookmark."""

    post: Post | PostRow
    my_reactions: list[str] = field(default_factory=list)
    bookmarked: bool = False


def get_post(post_id: int) -> Post | None:
    """Return the post with this id, if any."""
    return db.session.get(Post, post_id)


def core_rows(statement: Select, values: dict[str, Any]) -> Sequence[Row]:
    """Run a select of columns (no ORM entities) in the session's transaction, as Core does.

    The session's execute runs a select of mapped columns through the ORM's loading (its
    compile state, a row processor per column, the identity of nothing): 200-300 Python calls
    a statement that Core does not make (bench/pages.py). The session still picks the bind
    (app.dbrouting: a replica for the pages that may read from one) and owns the transaction.
    """
    connection = db.session.connection(bind_arguments={"clause": statement})
    return connection.execute(statement, values).all()


class IdList(TypeDecorator):
    """Bind a list of ids as the text of a PostgreSQL array (``{1,2,3}``), cast in the SQL.

    psycopg dumps a list element by element, with a pattern search each: two lists of 20 ids
    were a quarter of the home page's statement's parameter work (Python calls per request,
    bench/pages.py). The text is one string; int() keeps anything but numbers out of it.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Iterable[int] | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return "{" + ",".join(map(str, map(int, value))) + "}"


def ids_in(column: ColumnElement[int], name: str, *, negate: bool = False) -> ColumnElement[bool]:
    """Return "column is (not) one of the ids bound as ``name``", bound as one value if possible.

    PostgreSQL takes the list as one array (``= ANY``); an expanding ``IN`` is compiled again
    for every length of list, 0.5 ms of CPU per statement. SQLite has no arrays: it expands.
    """
    if db.engine.dialect.name == "postgresql":
        ids = cast(bindparam(name, type_=IdList()), postgresql.ARRAY(Integer))
        return column != all_(ids) if negate else column == any_(ids)
    ids = bindparam(name, expanding=True, type_=Integer)
    return column.not_in(ids) if negate else column.in_(ids)


@cache
def _viewer_statement(_dialect: str) -> CompoundSelect:
    """Build the viewer's reactions and bookmarks statement once; requests bind the values.

    One statement for both: each costs more in the ORM than in the database. Building it for
    every request took 0.9 ms of CPU (bench/inprocess.py), more than the database spends.
    """
    viewer = bindparam("viewer", type_=Integer)
    return union_all(
        select(Reaction.post_id, Reaction.kind).where(
            Reaction.user_id == viewer, ids_in(Reaction.post_id, "ids")
        ),
        select(Bookmark.post_id, null()).where(
            Bookmark.user_id == viewer, ids_in(Bookmark.post_id, "ids")
        ),
    )


def views_for(posts: Sequence[Post | PostRow], viewer: User | None) -> list[PostView]:
    """Attach the viewer's reactions and bookmarks to posts, in one query."""
    if viewer is None or not posts:
        return [PostView(post) for post in posts]
    ids = [post.id for post in posts]
    reactions: dict[int, list[str]] = {}
    bookmarked: set[int] = set()
    statement = _viewer_statement(db.engine.dialect.name)
    rows = db.session.execute(statement, {"viewer": viewer.id, "ids": ids})
    for post_id, kind in rows:
        if kind is None:
            bookmarked.add(post_id)
        else:
            reactions.setdefault(post_id, []).append(kind)
    order = {kind: i for i, kind in enumerate(REACTION_KINDS)}
    return [
        PostView(
            post,
            sorted(reactions.get(post.id, []), key=order.__getitem__),
            post.id in bookmarked,
        )
        for post in posts
    ]


def views_in_order(
    ids: list[int], viewer: User | None, *, hide_blocked: bool = False
) -> list[PostView]:
    """Return the posts with these ids, in this order, as the viewer sees them: one statement.

    Plain rows with the viewer's reactions and bookmark, as the feeds read them (ORM posts,
    their authors and a second statement cost the search page a fifth of its CPU).
    ``hide_blocked`` leaves out posts by people a block separates from the viewer.
    """
    if not ids:
        return []
    values: dict[str, object] = {"ids": ids}
    if viewer is not None:
        values["viewer_id"] = viewer.id
    statement = _views_statement(db.engine.dialect.name, viewer is not None, hide_blocked)
    rows = core_rows(statement, values)
    if viewer is None:
        found = {row[0]: PostView(post_row(row)) for row in rows}
    else:
        found = {row[0]: viewed(post_row(row), row.my_reactions, row.bookmarked) for row in rows}
    return [found[ident] for ident in ids if ident in found]


@cache
def _views_statement(_dialect: str, with_viewer: bool, hide_blocked: bool) -> Select:
    # Built once per shape: building it cost more CPU than PostgreSQL's work.
    columns: list[ColumnElement] = [*POST_ROW_COLUMNS]
    statement = select(*columns).join(User, User.id == Post.author_id)
    if with_viewer:
        viewer_id = bindparam("viewer_id", type_=Integer)
        statement = statement.add_columns(*viewer_columns(viewer_id))
        if hide_blocked:
            statement = statement.where(Post.author_id.not_in(hidden_ids(viewer_id, muted=False)))
    # Drafts are seen on their author's drafts page only, never in a list by ids (search).
    return statement.where(ids_in(Post.id, "ids"), Post.draft == false()).execution_options(
        **PREPARED
    )


def view_of(post: Post, viewer: User | None) -> PostView:
    """Return one loaded post as the viewer sees it."""
    return views_for([post], viewer)[0]


def post_view(post_id: int, viewer: User | None, *, drafts: bool = False) -> PostView | None:
    """Return one post as the viewer sees it; None when its author blocked the viewer.

    A draft is seen only with ``drafts`` and only by its author.
    """
    post = get_post(post_id)
    if post is None or blocked_by(post.author_id, viewer):
        return None
    if post.draft and not (drafts and viewer is not None and viewer.id == post.author_id):
        return None
    return views_for([post], viewer)[0]


def newest_first(
    shape: Hashable,
    build: Callable[[BindParameter[int] | None], Select],
    values: dict[str, Any],
    *,
    limit: int,
    cursor: str | None,
    viewer: User | None,
    created: ColumnElement[datetime] = Post.created_at,
    ident: ColumnElement[int] = Post.id,
) -> Page[PostView]:
    """Run a posts list newest first with a (created_at, id) keyset cursor, as PostRows.

    ``build(viewer_id)`` returns the list's query: it selects ``Post`` with its joins and
    conditions, its values bound by name (given in ``values``) and the viewer's id bound as
    ``viewer_id`` (None when signed out). The statement is built once per ``shape``, viewer
    and cursor, then only bound: building it cost more CPU than PostgreSQL's work on the tag
    and profile pages (bench/pages.py). The page reads plain columns, the author's and the
    viewer's reactions and bookmark in one statement (no ORM objects, no second statement).
    """
    after = decode_cursor(cursor, *cursor_kinds((created, ident)))
    statement = _newest_first_statement(
        shape, build, viewer is not None, bool(after), created, ident, db.engine.dialect.name, limit
    )
    values = dict(values)
    if viewer is not None:
        values["viewer_id"] = viewer.id
    if after:
        values["after_time"], values["after_id"] = after
    rows = core_rows(statement, values)
    page = cut_page(rows, limit=limit, key=row_key)
    return page.with_items(row_views(page.items, viewer is not None))


def row_views(rows: Iterable[Row], with_viewer: bool) -> list[PostView]:
    """Return post rows as PostViews, with the viewer's columns when the statement read them."""
    if not with_viewer:
        return [PostView(post_row(row)) for row in rows]
    return [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in rows]


_NEWEST_FIRST: dict[Hashable, Select] = {}


def _newest_first_statement(
    shape: Hashable,
    build: Callable[[BindParameter[int] | None], Select],
    with_viewer: bool,
    with_cursor: bool,
    created: ColumnElement[datetime],
    ident: ColumnElement[int],
    dialect: str,
    limit: int,
) -> Select:
    key = (shape, with_viewer, with_cursor, dialect, limit)
    statement = _NEWEST_FIRST.get(key)
    if statement is not None:
        return statement
    viewer_id = bindparam("viewer_id", type_=Integer) if with_viewer else None
    columns = [*POST_ROW_COLUMNS]
    if viewer_id is not None:
        columns.extend(viewer_columns(viewer_id))
    statement = build(viewer_id).with_only_columns(*columns).join(User, User.id == Post.author_id)
    if with_cursor:
        cursor = (
            bindparam("after_time", type_=created.type),
            bindparam("after_id", type_=Integer),
        )
        statement = statement.where(after_cursor((created, ident), cursor))
    # The page's size written in the statement, not bound: a prepared statement's generic plan
    # that does not know it expects a tenth of the tag's posts and is never chosen (the tag
    # page was planned anew on every request). Sizes are few: PAGE_SIZE and the API's limits.
    statement = (
        statement.order_by(created.desc(), ident.desc())
        .limit(literal_column(str(int(limit) + 1)))
        .execution_options(**PREPARED)
    )
    _NEWEST_FIRST[key] = statement
    return statement


def pinned_then_newest(
    shape: Hashable,
    build: Callable[[BindParameter[int] | None], Select],
    values: dict[str, Any],
    *,
    author_id: int,
    limit: int,
    viewer: User | None,
) -> Page[PostView]:
    """Return a profile's first page: the pinned posts, then the newest others, one statement.

    ``shape`` and ``build`` are ``newest_first``'s for the unpinned posts. Both lists come in
    one round trip (a second statement was a fifth of the profile page's database time); the
    newest part reads ``limit`` + 1 rows, so whatever number is pinned, the page and its cursor
    are what the pinned posts' and ``newest_first``'s two statements gave.
    """
    statement = _pinned_then_newest_statement(
        shape, build, viewer is not None, db.engine.dialect.name, limit
    )
    values = {**values, "author_id": author_id}
    if viewer is not None:
        values["viewer_id"] = viewer.id
    rows = core_rows(statement, values)
    pins = sorted((row for row in rows if row.pin), key=_pin_key, reverse=True)
    others = sorted((row for row in rows if not row.pin), key=row_key, reverse=True)
    page = cut_page(others, limit=max(limit - len(pins), 1), key=row_key)
    return page.with_items(row_views([*pins, *page.items], viewer is not None))


def _pin_key(row: Row) -> tuple[datetime, int]:
    return row.pinned_at, row.id


_PINNED_THEN_NEWEST: dict[Hashable, CompoundSelect] = {}


def _pinned_then_newest_statement(
    shape: Hashable,
    build: Callable[[BindParameter[int] | None], Select],
    with_viewer: bool,
    dialect: str,
    limit: int,
) -> CompoundSelect:
    key = (shape, with_viewer, dialect, limit)
    statement = _PINNED_THEN_NEWEST.get(key)
    if statement is not None:
        return statement
    pinned = _pinned_statement(with_viewer).order_by(None).add_columns(true().label("pin"))
    newest = _newest_first_statement(
        shape, build, with_viewer, False, Post.created_at, Post.id, dialect, limit
    ).subquery("newest")
    statement = union_all(pinned, select(newest, false().label("pin"))).execution_options(
        **PREPARED
    )
    _PINNED_THEN_NEWEST[key] = statement
    return statement


def row_key(row: Row) -> tuple[datetime, int]:
    """Return the sort key of a list of post rows newest first (what its cursors carry)."""
    return row.created_at, row.id


def post_key(post: Post) -> tuple[datetime, int]:
    """Return the sort key of a list of posts newest first (what its cursors carry)."""
    return post.created_at, post.id


@dataclass
class CommentView:
    """A comment as one viewer sees it."""

    comment: Comment
    # By someone a block separates from the viewer, kept only as a placeholder for the replies
    # below it: no author, no words.
    hidden: bool = False


@dataclass
class PostPage:
    """What the post page reads with its post: the view, and whether any comment is hidden."""

    view: PostView
    # Some comment is by someone a block separates from the viewer (then placeholder_ids).
    hidden_comments: bool = False


def post_page(post_id: int, viewer: User | None) -> PostPage | None:
    """Return a post as the viewer sees it, for its page, in one statement; None as post_view.

    The post and its author, the viewer's reactions and bookmark, whether its author blocked
    the viewer and whether a comment's author is hidden from them: five statements before
    (bench/pages.py).
    """
    if viewer is None:
        post = get_post(post_id)
        return PostPage(PostView(post)) if post is not None else None
    values = {"post_id": post_id, "viewer_id": viewer.id}
    row = db.session.execute(_post_page_statement(), values).first()
    if row is None or (row.blocked_by and viewer.id != row[0].author_id):
        return None
    return PostPage(viewed(row[0], row.my_reactions, row.bookmarked), bool(row.hidden_comments))


@cache
def _post_page_statement() -> Select:
    # Built once: building it cost more CPU than running it.
    viewer_id = bindparam("viewer_id", type_=Integer)
    blocked = blocked_by_condition(Post.author_id, viewer_id)
    hidden = exists().where(
        Comment.post_id == Post.id, Comment.author_id.in_(hidden_ids(viewer_id, muted=False))
    )
    return (
        select(
            Post,
            *viewer_columns(viewer_id),
            blocked.label("blocked_by"),
            hidden.label("hidden_comments"),
        )
        .where(Post.id == bindparam("post_id", type_=Integer))
        .execution_options(**PREPARED)
    )


def placeholder_ids(
    post_id: int, viewer: User | None, *, any_hidden: bool | None = None
) -> set[int]:
    """Return the post's comments by people blocked either way that must keep their place.

    A hidden comment with a visible reply somewhere below it stays as a placeholder, so the
    thread keeps its shape; other hidden comments are left out (``shown_comments``).
    ``any_hidden``: whether any comment's author is hidden, when already read (``post_page``).
    """
    if viewer is None or any_hidden is False:
        return set()
    hidden_authors = hidden_ids(viewer.id, muted=False)
    # Most threads hold nobody hidden from the viewer: one cheap check before reading the tree.
    if any_hidden is None and not db.session.scalar(
        select(exists().where(Comment.post_id == post_id, Comment.author_id.in_(hidden_authors)))
    ):
        return set()
    rows = db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.author_id.in_(hidden_authors)).where(
            Comment.post_id == post_id
        )
    ).all()
    needed: set[int] = set()
    # A reply has a larger id than what it answers: walking down the ids sees every reply
    # before its parent, so "someone visible below" climbs the whole chain.
    for ident, parent_id, hidden in sorted(rows, reverse=True):
        if parent_id is not None and (not hidden or ident in needed):
            needed.add(parent_id)
    return {ident for ident, _parent, hidden in rows if hidden and ident in needed}


def shown_comments(viewer: User | None, placeholders: set[int]) -> ColumnElement[bool]:
    """Return the condition that keeps the comments the viewer sees (placeholders included)."""
    shown = not_hidden(Comment.author_id, viewer, muted=False)
    return or_(shown, Comment.id.in_(placeholders)) if placeholders else shown


def comments_page(
    post_id: int, *, limit: int, cursor: str | None, viewer: User | None = None
) -> Page[CommentView]:
    """Return a post's comments as the viewer sees them, oldest first."""
    placeholders = placeholder_ids(post_id, viewer)
    query = select(Comment).where(Comment.post_id == post_id, shown_comments(viewer, placeholders))
    page = keyset_page(
        query,
        key=(Comment.created_at, Comment.id),
        descending=False,
        limit=limit,
        cursor=cursor,
    )
    return page.with_items([CommentView(row, row.id in placeholders) for row in page.items])


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment read as plain columns for a discussion: what a comment card reads."""

    id: int
    post_id: int
    author_id: int
    parent_id: int | None
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    author: AuthorRow


# The columns of CommentRow without its author, then the author's; comment_row reads them.
COMMENT_ROW_COLUMNS = (
    Comment.id,
    Comment.post_id,
    Comment.author_id,
    Comment.parent_id,
    Comment.body,
    Comment.body_html,
    Comment.created_at,
    Comment.edited_at,
    Comment.deleted_at,
    User.username,
    User.display_name,
    User.avatar_url,
)


def comment_row(row: Row | Sequence) -> CommentRow:
    """Return a CommentRow from a row of ``COMMENT_ROW_COLUMNS``."""
    return CommentRow(*row[:9], AuthorRow(row[9], row[10], row[11]))


@dataclass
class Thread:
    """A comment with its replies, for showing a discussion as a tree."""

    comment: Comment | CommentRow
    replies: list[Thread] = field(default_factory=list)
    # A placeholder for a comment by someone blocked either way (see CommentView).
    hidden: bool = False


def comment_threads(
    post_id: int,
    *,
    viewer: User | None = None,
    limit: int = 500,
    any_hidden: bool | None = None,
) -> list[Thread]:
    """Return a post's comments as the viewer sees them, as trees, oldest first at each level."""
    placeholders = placeholder_ids(post_id, viewer, any_hidden=any_hidden)
    # Plain rows, not ORM objects: hydrating 60 comments and their authors was a third of the
    # post page's CPU (bench/pages.py --profile).
    if placeholders:
        query = (
            select(*COMMENT_ROW_COLUMNS)
            .join(User, User.id == Comment.author_id)
            .where(Comment.post_id == post_id, shown_comments(viewer, placeholders))
        )
        statement = query.order_by(Comment.created_at, Comment.id).limit(limit)
        result = db.session.execute(statement)
    else:  # nearly always: a statement built once
        values = {"post_id": post_id, "limit": limit}
        if viewer is not None:
            values["viewer_id"] = viewer.id
        result = core_rows(_comments_statement(viewer is not None), values)
    rows = [comment_row(row) for row in result]
    nodes = {row.id: Thread(row, hidden=row.id in placeholders) for row in rows}
    roots: list[Thread] = []
    for row in rows:
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent.replies if parent else roots).append(nodes[row.id])
    return roots


@cache
def _comments_statement(with_viewer: bool) -> Select:
    # A post's comments as shown_comments keeps them when none is a placeholder.
    statement = (
        select(*COMMENT_ROW_COLUMNS)
        .join(User, User.id == Comment.author_id)
        .where(Comment.post_id == bindparam("post_id", type_=Integer))
    )
    if with_viewer:
        viewer_id = bindparam("viewer_id", type_=Integer)
        statement = statement.where(Comment.author_id.not_in(hidden_ids(viewer_id, muted=False)))
    return (
        statement.order_by(Comment.created_at, Comment.id)
        .limit(bindparam("limit", type_=Integer))
        .execution_options(**PREPARED)
    )


def get_comment(comment_id: int) -> Comment | None:
    """Return the comment with this id, if any."""
    return db.session.get(Comment, comment_id)


def bookmarks_page(user: User, *, limit: int, cursor: str | None) -> Page[PostView]:
    """Return the posts a user saved, newest bookmark first (none across a block)."""
    # PostRows with the reader's reactions in the same statement, as the feeds read them, from
    # a statement built once (each request binds its values).
    after = decode_cursor(cursor, datetime, int)
    values: dict[str, Any] = {"viewer_id": user.id, "page": limit + 1}
    if after:
        values["after_time"], values["after_id"] = after
    rows = db.session.execute(_bookmarks_statement(bool(after)), values).all()
    page = cut_page(rows, limit=limit, key=lambda row: (row.saved_at, row.id))
    return page.with_items(
        [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in page.items]
    )


@cache
def _bookmarks_statement(with_cursor: bool) -> Select:
    viewer_id = bindparam("viewer_id", type_=Integer)
    # An alias: viewer_columns' own look at bookmarks must not correlate with this one.
    saved = aliased(Bookmark, name="saved")
    statement = (
        select(
            *POST_ROW_COLUMNS,
            *viewer_columns(viewer_id),
            saved.created_at.label("saved_at"),
        )
        .join(User, User.id == Post.author_id)
        .join(saved, saved.post_id == Post.id)
        .where(
            saved.user_id == viewer_id,
            Post.author_id.not_in(hidden_ids(viewer_id, muted=False)),
        )
    )
    key = (saved.created_at, saved.post_id)
    if with_cursor:
        cursor = (
            bindparam("after_time", type_=saved.created_at.type),
            bindparam("after_id", type_=Integer),
        )
        statement = statement.where(after_cursor(key, cursor))
    return (
        statement.order_by(*(column.desc() for column in key))
        .limit(bindparam("page", type_=Integer))
        .execution_options(**PREPARED)
    )


def published() -> ColumnElement[bool]:
    """Return the condition that keeps drafts out of a list of posts."""
    return Post.draft == false()


def drafts_page(user: User, *, limit: int, cursor: str | None) -> Page[PostView]:
    """Return a user's drafts, newest first (their own partial index: no walk over their posts)."""
    values = {"author_id": user.id}
    return newest_first("drafts", _drafts, values, limit=limit, cursor=cursor, viewer=None)


def _drafts(_viewer_id: BindParameter[int] | None) -> Select:
    return select(Post).where(Post.author_id == bindparam("author_id", type_=Integer), Post.draft)


@cache
def _pinned_statement(with_viewer: bool) -> Select:
    # Built once and prepared: every profile page runs it.
    statement = select(*POST_ROW_COLUMNS).join(User, User.id == Post.author_id)
    if with_viewer:
        viewer_id = bindparam("viewer_id", type_=Integer)
        statement = statement.add_columns(*viewer_columns(viewer_id)).where(
            Post.author_id.not_in(hidden_ids(viewer_id, muted=False))
        )
    return (
        statement.where(
            Post.author_id == bindparam("author_id", type_=Integer),
            Post.pinned_at.is_not(None),
            Post.draft == false(),
        )
        .order_by(Post.pinned_at.desc(), Post.id.desc())
        .execution_options(**PREPARED)
    )


@dataclass(frozen=True, slots=True)
class Revision:
    """A post's body as it was, and when that body was written."""

    body: str
    edited_at: datetime
    id: int = 0


def revisions_page(post_id: int, *, limit: int, cursor: str | None) -> Page[Revision]:
    """Return a post's earlier bodies, newest first; the caller checked the post is visible."""
    query = select(PostRevision.body, PostRevision.edited_at, PostRevision.id).where(
        PostRevision.post_id == post_id
    )
    page = keyset_page(
        query,
        key=(PostRevision.edited_at, PostRevision.id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row.edited_at, row.id),
    )
    return page.with_items([Revision(row.body, row.edited_at, row.id) for row in page.items])


def newer_body(post: Post | PostRow, cursor: str | None) -> str:
    """Return the body just newer than a revisions page's first: the post's, or the cursor's.

    A later page's cursor names the previous page's last revision, the newer neighbour of its
    first one (one primary-key read).
    """
    after = decode_cursor(cursor, datetime, int)
    if not after:
        return post.body
    body = db.session.scalar(
        select(PostRevision.body).where(
            PostRevision.id == after[1], PostRevision.post_id == post.id
        )
    )
    return post.body if body is None else body
