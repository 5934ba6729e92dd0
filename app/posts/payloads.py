"""Posts, comments, reactions and tags as payloads, and the bodies that write them."""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import Field, create_model

from app.accounts.payloads import UserSummary, summary_fields, user_summary
from app.pagination import Page
from app.payloads import Count, Id, ItemsPage, Patch, Payload, Request, Time, choice, text
from app.posts import rules
from app.posts.display import shown_html
from app.posts.models import REACTION_KINDS
from app.posts.models import Comment as CommentRow
from app.posts.models import Tag as TagRow
from app.posts.queries import CommentView, PostView
from app.posts.queries import Revision as RevisionRow
from app.timeutil import isoformat

TAG_HINT = _l("Use 1 to 30 of a-z, 0-9, _ and -.")
TagName = text(pattern=rules.TAG_RE.pattern, hint=TAG_HINT)
# What a request may name as a tag: normalize_tags reads "#Flask " as "flask".
RequestedTag = text(pattern=rules.TAG_REQUEST_PATTERN, hint=TAG_HINT)
# In a path a tag is read in any case.
TAG_IN_PATH = rules.TAG_RE.pattern.replace("a-z", "A-Za-z")
ReactionKind = choice(REACTION_KINDS)
BLANK_HINT = _l("Write something first (and no NUL characters).")
PostBody = text(
    rules.BODY_MAX,
    pattern=rules.BODY_PATTERN,
    hint=BLANK_HINT,
    description="Markdown; `#tag` tags the post.",
)
CommentBody = text(rules.COMMENT_MAX, pattern=rules.BODY_PATTERN, hint=BLANK_HINT)
Tags = Annotated[
    list[RequestedTag],  # type: ignore[valid-type]
    Field(
        max_length=rules.TAGS_MAX,
        description=f"With the body's `#tags`, at most {rules.TAGS_MAX} in all.",
    ),
]

Reactions = create_model(
    "Reactions",
    __base__=Payload,
    __doc__="How many people reacted with each kind.",
    **{kind: (Count, ...) for kind in REACTION_KINDS},
)


class Post(Payload):
    """A post as its viewer sees it."""

    id: Id
    author: UserSummary
    body: Annotated[str, Field(description="Markdown.")]
    body_html: Annotated[
        str,
        Field(
            description="Rendered, sanitized HTML with highlighted code; pictures from other "
            "hosts point at the image proxy (`/img/...`)."
        ),
    ]
    tags: Annotated[list[TagName], Field(max_length=rules.TAGS_MAX)]  # type: ignore[valid-type]
    created_at: Time
    edited_at: Time | None
    comments_count: Count
    reactions: Reactions  # type: ignore[valid-type]
    my_reactions: Annotated[
        list[ReactionKind],  # type: ignore[valid-type]
        Field(description="Your reactions (empty without a token)."),
    ]
    bookmarked: Annotated[bool, Field(description="Whether you saved it.")]
    url: Annotated[str, Field(description="The post's page, `/p/<id>`.")]
    pinned: Annotated[
        bool, Field(description="Pinned by its author: it comes first on their profile.")
    ]
    draft: Annotated[
        bool,
        Field(description="A draft: seen by its author alone until `POST /posts/{id}/publish`."),
    ]


class PostList(ItemsPage[Post]):
    """A page of posts."""


class ReactionState(Payload):
    """A post's reactions after yours changed."""

    reactions: Reactions  # type: ignore[valid-type]
    my_reactions: list[ReactionKind]  # type: ignore[valid-type]


class Comment(Payload):
    """A comment; a deleted one that keeps its place has no words."""

    id: Id
    post_id: Id
    parent_id: Annotated[Id | None, Field(description="The comment replied to.")]
    author: UserSummary
    body: Annotated[str, Field(description="Markdown; empty once deleted.")]
    body_html: str
    created_at: Time
    edited_at: Time | None
    deleted: Annotated[
        bool, Field(description="A deleted comment with replies keeps its place, without words.")
    ]
    hidden: Annotated[
        bool,
        Field(
            description="Only when true: by someone a block separates from you, kept as a "
            "placeholder for the replies below it (also `deleted`, with no author or words).",
        ),
    ] = False


class CommentList(ItemsPage[Comment]):
    """A page of comments."""


class Tag(Payload):
    """A tag and how many posts carry it."""

    name: TagName  # type: ignore[valid-type]
    posts_count: Count


class TagList(ItemsPage[Tag]):
    """A page of tags."""


class PostCreate(Request):
    """A new post, or a draft."""

    body: PostBody  # type: ignore[valid-type]
    tags: Tags | None = None
    draft: Annotated[
        bool | None,
        Field(
            description="Keep it as a draft: seen by you alone, in no feed, nobody notified "
            "until it is published (false or null: publish now)."
        ),
    ] = None


class Revision(Payload):
    """A post's body as it was before an edit."""

    body: Annotated[str, Field(description="Markdown.")]
    edited_at: Annotated[
        Time, Field(description="When this body was written (published, or saved by an edit).")
    ]


class RevisionList(ItemsPage[Revision]):
    """A page of a post's earlier bodies, newest first."""


class PostUpdate(Patch):
    """What to change in a post: its body, its tags (replacing those given before), or both."""

    body: PostBody | None = None  # type: ignore[valid-type]
    tags: Tags | None = None


class CommentCreate(Request):
    """A new comment, or a reply to a comment of the same post."""

    body: CommentBody  # type: ignore[valid-type]
    parent_id: Annotated[
        Id | None, Field(description="Reply to this comment of the same post.")
    ] = None


class CommentUpdate(Patch):
    """A comment's new words."""

    body: CommentBody  # type: ignore[valid-type]


class MarkdownPreviewRequest(Request):
    """A draft to render."""

    body: PostBody  # type: ignore[valid-type]


class MarkdownPreview(Payload):
    """A draft rendered as a post would show it."""

    html: Annotated[str, Field(description="As `body_html` would be.")]


def post_payload(view: PostView) -> Post:
    """Return a post as its viewer sees it."""
    post = view.post
    return Post(
        id=post.id,
        author=user_summary(post.author),
        body=post.body,
        body_html=shown_html(post.body_html),
        tags=post.tag_names,
        created_at=isoformat(post.created_at),
        edited_at=isoformat(post.edited_at),
        comments_count=post.comments_count,
        reactions=post.reactions,
        my_reactions=view.my_reactions,
        bookmarked=view.bookmarked,
        # The page address is part of the contract, so it is written here, not looked up.
        url=f"/p/{post.id}",
        pinned=post.pinned,
        draft=post.draft,
    )


def post_list_json(page: Page[PostView]) -> dict[str, Any]:
    """Return a page of posts as ``PostList`` writes it, built directly from the rows.

    The API home feed's hot path: validating 20 ``Post`` models and dumping them cost about
    0.25 ms of CPU per page, as much as its database statement (bench/inprocess.py). The same
    fields as ``post_payload``, from the same helpers; tests/test_home_cache.py checks that
    both write the same JSON.
    """
    return {"items": [post_json(view) for view in page.items], "next_cursor": page.next_cursor}


def post_json(view: PostView) -> dict[str, Any]:
    post = view.post
    return {
        "id": post.id,
        "author": summary_fields(post.author),
        "body": post.body,
        "body_html": str(shown_html(post.body_html)),
        "tags": post.tag_names,
        "created_at": isoformat(post.created_at),
        "edited_at": isoformat(post.edited_at),
        "comments_count": post.comments_count,
        "reactions": post.reactions,
        "my_reactions": view.my_reactions,
        "bookmarked": view.bookmarked,
        "url": f"/p/{post.id}",
        "pinned": post.pinned,
        "draft": post.draft,
    }


def reaction_state(view: PostView) -> ReactionState:
    """Return a post's reaction counts and the viewer's own reactions."""
    return ReactionState(reactions=view.post.reactions, my_reactions=view.my_reactions)


def comment_payload(comment: CommentRow) -> Comment:
    """Return a comment; a deleted one that keeps its place has no words."""
    author = user_summary(comment.author)
    if comment.deleted_at is not None and comment.author.erased_at is not None:
        # The placeholder of an erased account's comment: nobody's, like a hidden one.
        author = UserSummary(username="", display_name="", avatar_url="")
    return Comment(
        id=comment.id,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        author=author,
        body=comment.body,
        body_html=shown_html(comment.body_html),
        created_at=isoformat(comment.created_at),
        edited_at=isoformat(comment.edited_at),
        deleted=comment.deleted_at is not None,
    )


def comment_view_payload(view: CommentView) -> Comment:
    """Return a comment as the viewer sees it: one by someone blocked is a bare placeholder."""
    if not view.hidden:
        return comment_payload(view.comment)
    comment = view.comment
    return Comment(
        id=comment.id,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        # Neither who wrote it nor what: shaped like a deleted comment, which clients show so.
        author=UserSummary(username="", display_name="", avatar_url=""),
        body="",
        body_html="",
        created_at=isoformat(comment.created_at),
        edited_at=None,
        deleted=True,
        hidden=True,
    )


def tag_payload(tag: TagRow) -> Tag:
    """Return a tag and how many posts carry it."""
    return Tag(name=tag.name, posts_count=tag.posts_count)


def post_page(page: Page[PostView]) -> PostList:
    """Return a page of posts."""
    return PostList(items=[post_payload(view) for view in page.items], next_cursor=page.next_cursor)


def revision_page(page: Page[RevisionRow]) -> RevisionList:
    """Return a page of a post's earlier bodies."""
    return RevisionList(
        items=[Revision(body=r.body, edited_at=isoformat(r.edited_at)) for r in page.items],
        next_cursor=page.next_cursor,
    )
