"""Reads of posts, comments and what the viewer did to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    all_,
    any_,
    bindparam,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, decode_cursor, keyset_page
from app.posts.models import (
    REACTION_KINDS,
    Bookmark,
    Comment,
    Post,
    PostRevision,
    PostShape,
    Reaction,
)
from app.safety.queries import blocked_by, hidden_ids, not_hidden


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
        select(func.aggregate_strings(Reaction.kind, ","))
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


def ids_in(column: ColumnElement[int], name: str, *, negate: bool = False) -> ColumnElement[bool]:
    """Return "column is (not) one of the ids bound as ``name``", bound as one value if possible.

    PostgreSQL takes the list as one array (``= ANY``); an expanding ``IN`` is compiled again
    for every length of list, 0.5 ms of CPU per statement. SQLite has no arrays: it expands.
    """
    if db.engine.dialect.name == "postgresql":
        ids = bindparam(name, type_=postgresql.ARRAY(Integer))
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
    query: Select,
    *,
    limit: int,
    cursor: str | None,
    viewer: User | None,
    created=Post.created_at,
    ident=Post.id,
) -> Page[PostView]:
    """Run a posts query newest first with a (created_at, id) keyset cursor, as PostRows.

    ``query`` selects ``Post`` with its joins and conditions; the page reads plain columns, the
    author's and the viewer's reactions and bookmark in one statement (no ORM objects, no
    second statement: both cost more CPU than the database's work, bench/pages.py).
    """
    columns = [*POST_ROW_COLUMNS]
    if viewer is not None:
        columns.extend(viewer_columns(literal(viewer.id, Integer)))
    rows = query.with_only_columns(*columns).join(User, User.id == Post.author_id)
    page = keyset_page(rows, key=(created, ident), limit=limit, cursor=cursor, row_key=row_key)
    if viewer is None:
        return page.with_items([PostView(post_row(row)) for row in page.items])
    return page.with_items(
        [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in page.items]
    )


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


def placeholder_ids(post_id: int, viewer: User | None) -> set[int]:
    """Return the post's comments by people blocked either way that must keep their place.

    A hidden comment with a visible reply somewhere below it stays as a placeholder, so the
    thread keeps its shape; other hidden comments are left out (``shown_comments``).
    """
    if viewer is None:
        return set()
    hidden_authors = hidden_ids(viewer.id, muted=False)
    # Most threads hold nobody hidden from the viewer: one cheap check before reading the tree.
    if not db.session.scalar(
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


def comment_threads(post_id: int, *, viewer: User | None = None, limit: int = 500) -> list[Thread]:
    """Return a post's comments as the viewer sees them, as trees, oldest first at each level."""
    placeholders = placeholder_ids(post_id, viewer)
    # Plain rows, not ORM objects: hydrating 60 comments and their authors was a third of the
    # post page's CPU (bench/pages.py --profile).
    query = (
        select(*COMMENT_ROW_COLUMNS)
        .join(User, User.id == Comment.author_id)
        .where(Comment.post_id == post_id, shown_comments(viewer, placeholders))
    )
    statement = query.order_by(Comment.created_at, Comment.id).limit(limit)
    rows = [comment_row(row) for row in db.session.execute(statement)]
    nodes = {row.id: Thread(row, hidden=row.id in placeholders) for row in rows}
    roots: list[Thread] = []
    for row in rows:
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent.replies if parent else roots).append(nodes[row.id])
    return roots


def get_comment(comment_id: int) -> Comment | None:
    """Return the comment with this id, if any."""
    return db.session.get(Comment, comment_id)


def bookmarks_page(user: User, *, limit: int, cursor: str | None) -> Page[PostView]:
    """Return the posts a user saved, newest bookmark first (none across a block)."""
    # PostRows with the reader's reactions in the same statement, as the feeds read them. An
    # alias: viewer_columns' own look at bookmarks must not correlate with this one.
    saved = aliased(Bookmark, name="saved")
    query = (
        select(
            *POST_ROW_COLUMNS,
            *viewer_columns(literal(user.id, Integer)),
            saved.created_at.label("saved_at"),
        )
        .join(User, User.id == Post.author_id)
        .join(saved, saved.post_id == Post.id)
        .where(saved.user_id == user.id, not_hidden(Post.author_id, user, muted=False))
    )
    page = keyset_page(
        query,
        key=(saved.created_at, saved.post_id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row.saved_at, row.id),
    )
    return page.with_items(
        [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in page.items]
    )


def published() -> ColumnElement[bool]:
    """Return the condition that keeps drafts out of a list of posts."""
    return Post.draft == false()


def drafts_page(user: User, *, limit: int, cursor: str | None) -> Page[PostView]:
    """Return a user's drafts, newest first (their own partial index: no walk over their posts)."""
    query = select(Post).where(Post.author_id == user.id, Post.draft)
    return newest_first(query, limit=limit, cursor=cursor, viewer=None)


def pinned_posts(author_id: int, viewer: User | None) -> list[PostView]:
    """Return an author's pinned posts, last pinned first, in one statement (at most PINS_MAX)."""
    columns = [*POST_ROW_COLUMNS]
    if viewer is not None:
        columns.extend(viewer_columns(literal(viewer.id, Integer)))
    statement = (
        select(*columns)
        .join(User, User.id == Post.author_id)
        .where(
            Post.author_id == author_id,
            Post.pinned_at.is_not(None),
            Post.draft == false(),
            not_hidden(Post.author_id, viewer, muted=False),
        )
        .order_by(Post.pinned_at.desc(), Post.id.desc())
    )
    rows = db.session.execute(statement).all()
    if viewer is None:
        return [PostView(post_row(row)) for row in rows]
    return [viewed(post_row(row), row.my_reactions, row.bookmarked) for row in rows]


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
