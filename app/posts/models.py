"""Posts and what hangs off them: tags, comments, reactions, bookmarks, mentions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

REACTION_KINDS = ("like", "love", "laugh", "insightful", "celebrate")
PINS_MAX = 3


class PostShape:
    """What a post shows beyond its columns: the ORM ``Post`` and the plain ``PostRow`` share it.

    Both carry ``tags_text`` and a ``<kind>_count`` column for each reaction kind.
    """

    __slots__ = ()

    @property
    def reactions(self) -> dict[str, int]:
        """Return the count of each reaction kind."""
        return {kind: getattr(self, f"{kind}_count") for kind in REACTION_KINDS}

    @property
    def tag_names(self) -> list[str]:
        """Return the names of the post's tags, in name order."""
        return sorted(self.tags_text.split())

    @property
    def pinned(self) -> bool:
        """Return whether its author pinned it to the top of their profile."""
        return self.pinned_at is not None

    @property
    def tags(self) -> list[TagName]:
        """Return the post's tags as templates use them (``tag.name``), without a query."""
        return [TagName(name) for name in self.tag_names]


class Post(PostShape, db.Model):
    """A Markdown post; its HTML is rendered once on write and stored."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    # Plain text and tags, kept for the full-text index and link previews.
    body_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags_text: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    comments_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reactions_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    like_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    love_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    laugh_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    insightful_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    celebrate_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A draft is seen by its author alone: no feed, search, tag page or profile lists it, and
    # it has no tag rows, mentions or body_text (the search index's input) until published.
    draft: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # Pinned to the top of its author's profile (at most PINS_MAX of them).
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    # The Tag rows, loaded only when asked for. Pages and the API show names, which
    # tags_text holds (written in the same transaction as post_tags): loading Tag rows with
    # every post of a page was half of a feed request's CPU (docs/performance.md).
    tag_rows: Mapped[list[Tag]] = relationship(
        secondary="post_tags", lazy="select", order_by="Tag.name", viewonly=True
    )

    __table_args__ = (
        # Latest feed, and the home feed's first pass (author_id read from the index alone).
        # It carries draft too, so the home feed's first pass leaves drafts out on the index alone.
        Index(
            "ix_posts_created_at_id",
            "created_at",
            "id",
            postgresql_include=["author_id", "draft"],
        ),
        # Profile pages, and the home feed per followed author.
        Index("ix_posts_author_id_created_at_id", "author_id", "created_at", "id"),
        # The author's drafts and pins: few rows each, read without walking all their posts.
        Index(
            "ix_posts_drafts",
            "author_id",
            "created_at",
            "id",
            postgresql_where=text("draft"),
            sqlite_where=text("draft = 1"),
        ),
        Index(
            "ix_posts_pinned",
            "author_id",
            "pinned_at",
            postgresql_where=text("pinned_at IS NOT NULL"),
            sqlite_where=text("pinned_at IS NOT NULL"),
        ),
    )


class PostRevision(db.Model):
    """A post's body as it was before an edit; ``edited_at`` is when that body was written."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_post_revisions_post_id_edited", "post_id", "edited_at", "id"),)


@dataclass(frozen=True)
class TagName:
    """A tag as a post lists it: by name."""

    name: str


class Tag(db.Model):
    """A topic, named in lower case."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    posts_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PostTag(db.Model):
    """A post carries a tag; the post's time is copied here so a tag page reads one index."""

    __tablename__ = "post_tags"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    post_created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_post_tags_tag_id_created", "tag_id", "post_created_at", "post_id"),)


class Comment(db.Model):
    """A comment on a post; a reply names its parent comment."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A deleted comment that has replies keeps its place in the thread, without its words.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_comments_post_id_created_at_id", "post_id", "created_at", "id"),)


class Reaction(db.Model):
    """One person's reaction of one kind to one post."""

    __tablename__ = "reactions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('like', 'love', 'laugh', 'insightful', 'celebrate')", name="kind"
        ),
    )


class Bookmark(db.Model):
    """A post someone saved for later."""

    __tablename__ = "bookmarks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_bookmarks_user_id_created_at", "user_id", "created_at", "post_id"),)


class Mention(db.Model):
    """A user named with @ in a post or a comment (remembered so edits notify only new names)."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TrendingEntry(db.Model):
    """One row of a trending snapshot: a ranked list computed at once, paginated exactly."""

    __tablename__ = "trending_entries"

    snapshot: Mapped[int] = mapped_column(
        ForeignKey("trending_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    score: Mapped[float] = mapped_column(db.Float, nullable=False)


class TrendingSnapshot(db.Model):
    """When a trending ranking was computed; its entries stay fixed for exact pagination."""

    __tablename__ = "trending_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
