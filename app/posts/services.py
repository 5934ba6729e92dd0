"""Post use cases: write, edit, delete, react, bookmark, comment. One transaction each."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, insert, select, union, union_all, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.queries import resolve_usernames, users_by_usernames
from app.accounts.rules import require_verified_email
from app.cache import touch
from app.errors import Conflict, Forbidden, NotFound, ValidationError
from app.extensions import db
from app.media import services as media
from app.media.markup import alt_text_only, local_images
from app.notifications.services import notify
from app.pagination import INT_MAX
from app.posts import rules
from app.posts.display import shown_html
from app.posts.markdown import Rendered, render_markdown
from app.posts.models import (
    PINS_MAX,
    REACTION_KINDS,
    Bookmark,
    Comment,
    Mention,
    Post,
    PostRevision,
    PostTag,
    Reaction,
    Tag,
)
from app.safety.queries import blocked_between, blocked_by
from app.safety.rules import refuse_if_blocked
from app.timeutil import utcnow


def _commit() -> None:
    """Commit a post write; the shared feed pages cached for anonymous readers go stale."""
    touch(db.session, "posts")
    db.session.commit()


def _render(body: str, *, pictures: bool = True) -> Rendered:
    # Uploaded pictures show in posts (sized, WebP first); in comments only their alt text,
    # since nothing keeps a comment's pictures from the daily cleanup.
    return render_markdown(
        body,
        resolve_mentions=resolve_usernames,
        local_images=local_images if pictures else alt_text_only,
    )


def rerender_posts(post_ids: list[int]) -> None:
    """Render posts' bodies again (a picture of theirs was removed); the caller commits."""
    for post in db.session.scalars(select(Post).where(Post.id.in_(post_ids))):
        post.body_html = _render(post.body).html
    if post_ids:
        touch(db.session, "posts")


def _require_active(user: User) -> None:
    if user.suspended:
        raise Forbidden(_("Your account is suspended: you cannot post, comment or react."))


def _require_writer(user: User) -> None:
    """Refuse writing a post or a comment: suspended, or the address not verified (if needed)."""
    _require_active(user)
    require_verified_email(user)


def preview(*, body: str) -> str:
    """Return a draft's HTML exactly as a post with that body would show it; store nothing."""
    return shown_html(_render(rules.check_body(body)).html)


def get_post_or_404(post_id: int, *, viewer: User | None = None, drafts: bool = False) -> Post:
    """Return the post, or raise NotFound (also when its author blocked the viewer).

    A draft is found only with ``drafts`` and only by its author: to anyone else, and to
    what cannot be done to a draft (reacting, commenting, saving), it does not exist.
    """
    post = db.session.get(Post, post_id)
    if post is None or blocked_by(post.author_id, viewer):
        raise NotFound(_("That post does not exist or was deleted."))
    if post.draft and not (drafts and viewer is not None and viewer.id == post.author_id):
        raise NotFound(_("That post does not exist or was deleted."))
    return post


def _is_moderator(user: User) -> bool:
    return user.role in ("moderator", "admin")


def _may_moderate(user: User, author_id: int) -> bool:
    return user.id == author_id or _is_moderator(user)


def create_post(
    *, author: User, body: str, tags: list[str] | None = None, draft: bool = False
) -> Post:
    """Publish a post (or keep it as a draft): render its Markdown, tag it, notify mentions."""
    _require_writer(author)
    body = rules.check_body(body)
    rendered = _render(body)
    tag_names = rules.normalize_tags(tags, rendered.tags)
    post = Post(
        author_id=author.id,
        body=body,
        body_html=rendered.html,
        # A draft stays out of the search index (its input) until it is published.
        body_text="" if draft else rendered.text,
        tags_text=" ".join(tag_names),
        created_at=utcnow(),
        draft=draft,
    )
    db.session.add(post)
    db.session.flush()
    # Its pictures are linked now, so the daily cleanup keeps them for the draft too.
    media.link_post(post_id=post.id, author_id=author.id, body=body)
    if not draft:
        _go_public(post, author_id=author.id, tag_names=tag_names, mentions=rendered.mentions)
    _commit()
    return post


def _go_public(post: Post, *, author_id: int, tag_names: list[str], mentions: list[str]) -> None:
    """Tag, count, notify and announce a post that everyone may now see."""
    _add_tags(post, tag_names)
    db.session.execute(
        update(User).where(User.id == author_id).values(posts_count=User.posts_count + 1)
    )
    _mention(post=post, actor_id=author_id, usernames=mentions)
    _announce(post)


def save_draft(
    *, author: User, body: str, tags: list[str] | None = None, draft_id: int | None = None
) -> Post:
    """Keep a draft: a new one, or new words for the author's draft ``draft_id``."""
    if draft_id is None:
        return create_post(author=author, body=body, tags=tags, draft=True)
    post = get_post_or_404(draft_id, viewer=author, drafts=True)
    if post.author_id != author.id:
        raise NotFound(_("That post does not exist or was deleted."))
    if not post.draft:
        raise Conflict(_("That draft is published already: edit the post instead."))
    return edit_post(post_id=post.id, editor=author, body=body, tags=tags)


def publish_post(
    *, post_id: int, author: User, body: str | None = None, tags: list[str] | None = None
) -> Post:
    """Publish a draft (saving a last change first): it takes its place as a new post now.

    Publishing a published post changes nothing (a retried request gets the same answer).
    """
    post = get_post_or_404(post_id, viewer=author, drafts=True)
    if post.author_id != author.id:
        raise NotFound(_("That post does not exist or was deleted."))
    if not post.draft:
        return post
    _require_writer(author)
    new_body = rules.check_body(body) if body is not None else post.body
    rendered = _render(new_body)
    if tags is None:
        kept = [t for t in post.tag_names if t not in _body_tags(post.body)]
        tag_names = rules.normalize_tags(kept, rendered.tags)
    else:
        tag_names = rules.normalize_tags(tags, rendered.tags)
    # Claimed with one conditional write: of two publishes at once (a double click), only
    # one counts, tags and notifies; the other finds it published.
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.draft.is_(True))
        .values(draft=False)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return get_post_or_404(post_id, viewer=author)
    post.body = new_body
    post.body_html = rendered.html
    post.body_text = rendered.text
    post.tags_text = " ".join(tag_names)
    post.draft = False
    # It lands at the top of the feeds: its time is the moment it went public.
    post.created_at = utcnow()
    post.edited_at = None
    db.session.flush()
    media.link_post(post_id=post.id, author_id=author.id, body=new_body)
    _go_public(post, author_id=author.id, tag_names=tag_names, mentions=rendered.mentions)
    _commit()
    db.session.refresh(post)
    return post


def _announce(post: Post) -> None:
    """Push "post.created" to the sockets of who follows its author or one of its tags."""
    from app.realtime.events import emit
    from app.safety.models import Block, Mute
    from app.social.models import Follow

    # Read by name from the metadata: app.tags sits above app.posts (it reads tags), so
    # importing its model here would tie the two packages in a cycle.
    tag_follows = db.metadata.tables["tag_follows"]
    author = post.author_id
    # Whoever blocked the author, was blocked by them, or muted them gets no push of the post.
    hiding = union_all(
        select(Block.blocker_id).where(Block.blocked_id == author),
        select(Block.blocked_id).where(Block.blocker_id == author),
        select(Mute.muter_id).where(Mute.muted_id == author),
    )
    by_tag = select(tag_follows.c.user_id).where(
        tag_follows.c.tag_id.in_(select(PostTag.tag_id).where(PostTag.post_id == post.id)),
        tag_follows.c.user_id != author,
        tag_follows.c.user_id.not_in(hiding),
    )
    # One statement; UNION: a person following both the author and a tag is pushed once.
    followers = db.session.scalars(
        union(select(Follow.follower_id).where(Follow.followee_id == author), by_tag)
    )

    def payload() -> dict:
        from app.posts.payloads import post_payload
        from app.posts.queries import PostView

        return post_payload(PostView(post)).json_dict()

    emit(db.session, list(followers), "post.created", payload)


def edit_post(
    *, post_id: int, editor: User, body: str | None = None, tags: list[str] | None = None
) -> Post:
    """Change a post's body and/or tags; only its author may."""
    post = get_post_or_404(post_id, viewer=editor, drafts=True)
    if post.author_id != editor.id:
        raise Forbidden(_("Only the author can edit this post."))
    _require_writer(editor)
    new_body = rules.check_body(body) if body is not None else post.body
    rendered = _render(new_body)
    requested = tags if tags is not None else None
    if requested is None and body is None:
        raise ValidationError(_("Nothing to change."), {"body": [_("Send a body or tags.")]})
    if requested is None:
        # Keep the tags given explicitly before; the body's hashtags are read again.
        kept = [t for t in post.tag_names if t not in _body_tags(post.body)]
        tag_names = rules.normalize_tags(kept, rendered.tags)
    else:
        tag_names = rules.normalize_tags(requested, rendered.tags)
    old_mentions = set(
        db.session.scalars(
            select(Mention.user_id).where(Mention.post_id == post.id, Mention.comment_id.is_(None))
        )
    )
    now = utcnow()
    if not post.draft and new_body != post.body:
        # The edit history: the body this edit replaces, with when it was written.
        db.session.add(
            PostRevision(
                post_id=post.id, body=post.body, edited_at=post.edited_at or post.created_at
            )
        )
    post.body = new_body
    post.body_html = rendered.html
    post.body_text = "" if post.draft else rendered.text
    post.tags_text = " ".join(tag_names)
    post.edited_at = now
    media.link_post(post_id=post.id, author_id=editor.id, body=new_body)
    if not post.draft:
        # A draft has no tag rows or mentions yet: publishing makes them.
        _replace_tags(post, tag_names)
        _mention(post=post, actor_id=editor.id, usernames=rendered.mentions, skip=old_mentions)
    # An edit can make an older post match a search: the cached rankings start again.
    touch(db.session, "post-edits")
    _commit()
    db.session.refresh(post)
    return post


def pin_post(*, post_id: int, author: User) -> None:
    """Pin a post to the top of its author's profile (idempotent; at most PINS_MAX)."""
    post = get_post_or_404(post_id, viewer=author)
    if post.author_id != author.id:
        raise Forbidden(_("Only the author can pin this post."))
    if post.pinned_at is not None:
        return
    # Counted under a lock on the author's row: two pins at once cannot both be the third.
    db.session.execute(select(User.id).where(User.id == author.id).with_for_update())
    pinned = db.session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.author_id == author.id, Post.pinned_at.is_not(None))
    )
    if pinned >= PINS_MAX:
        raise Conflict(
            _(
                "You can pin at most %(max)d posts: unpin one first.",
                max=PINS_MAX,
            )
        )
    post.pinned_at = utcnow()
    _commit()


def unpin_post(*, post_id: int, author: User) -> None:
    """Take a post off the top of its author's profile (idempotent)."""
    post = get_post_or_404(post_id, viewer=author)
    if post.author_id != author.id:
        raise Forbidden(_("Only the author can unpin this post."))
    if post.pinned_at is not None:
        post.pinned_at = None
        _commit()


def _body_tags(body: str) -> list[str]:
    from app.posts.markdown import extract_tags

    return extract_tags(body)


def delete_post(*, post_id: int, actor: User, commit: bool = True) -> None:
    """Delete a post; its author, a moderator or an admin may."""
    # commit=False: a moderation service adds its audit record to the same transaction.
    # A moderator acts whoever blocked them; anyone else finds nothing behind a block.
    post = get_post_or_404(post_id, viewer=None if _is_moderator(actor) else actor, drafts=True)
    if post.draft and post.author_id != actor.id:
        # Nobody else knows of a draft, moderators included.
        raise NotFound(_("That post does not exist or was deleted."))
    if not _may_moderate(actor, post.author_id):
        raise Forbidden(_("Only the author or a moderator can delete this post."))
    tag_ids = list(db.session.scalars(select(PostTag.tag_id).where(PostTag.post_id == post.id)))
    if tag_ids:
        db.session.execute(
            update(Tag).where(Tag.id.in_(tag_ids)).values(posts_count=Tag.posts_count - 1)
        )
    if not post.draft:
        db.session.execute(
            update(User).where(User.id == post.author_id).values(posts_count=User.posts_count - 1)
        )
    # Its pictures that no other post shows go with it (their files after the commit).
    media.release_post(post_id=post.id)
    db.session.delete(post)
    touch(db.session, "posts")
    if commit:
        db.session.commit()


def _add_tags(post: Post, names: list[str]) -> None:
    if not names:
        return
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in existing:
            try:
                with db.session.begin_nested():
                    tag = Tag(name=name)
                    db.session.add(tag)
                existing[name] = tag
            except IntegrityError:
                # Another post created the same tag a moment ago.
                existing[name] = db.session.scalar(select(Tag).where(Tag.name == name))
    ids = [existing[name].id for name in names]
    db.session.execute(
        insert(PostTag),
        [
            {"post_id": post.id, "tag_id": tag_id, "post_created_at": post.created_at}
            for tag_id in ids
        ],
    )
    db.session.execute(update(Tag).where(Tag.id.in_(ids)).values(posts_count=Tag.posts_count + 1))


def _replace_tags(post: Post, names: list[str]) -> None:
    current = dict(
        db.session.execute(
            select(Tag.name, Tag.id)
            .join(PostTag, PostTag.tag_id == Tag.id)
            .where(PostTag.post_id == post.id)
        ).all()
    )
    removed = [tag_id for name, tag_id in current.items() if name not in names]
    if removed:
        db.session.execute(
            delete(PostTag).where(PostTag.post_id == post.id, PostTag.tag_id.in_(removed))
        )
        db.session.execute(
            update(Tag).where(Tag.id.in_(removed)).values(posts_count=Tag.posts_count - 1)
        )
    _add_tags(post, [name for name in names if name not in current])
    db.session.expire(post, ["tag_rows"])


def _mention(
    *,
    post: Post,
    actor_id: int,
    usernames: list[str],
    comment: Comment | None = None,
    skip: set[int] | None = None,
) -> set[int]:
    """Record mentions and notify the people newly named; return who was notified."""
    skip = skip or set()
    notified: set[int] = set()
    for user in users_by_usernames(usernames):
        if user.id in skip or user.id == actor_id:
            continue
        db.session.add(
            Mention(user_id=user.id, post_id=post.id, comment_id=comment.id if comment else None)
        )
        notify(
            user_id=user.id,
            type="mention",
            actor_id=actor_id,
            post_id=post.id,
            comment_id=comment.id if comment else None,
        )
        notified.add(user.id)
    return notified


def react(*, post_id: int, user: User, kind: str) -> Post:
    """Add a reaction (idempotent); the author hears of it once per person and post."""
    _check_kind(kind)
    _require_active(user)
    post = get_post_or_404(post_id, viewer=user)
    has = db.session.scalar(
        select(
            exists().where(
                Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind
            )
        )
    )
    if not has:
        try:
            with db.session.begin_nested():
                db.session.add(Reaction(post_id=post.id, user_id=user.id, kind=kind))
        except IntegrityError:
            db.session.rollback()
            return get_post_or_404(post_id)
        _bump_reaction(post.id, kind, +1)
        notify(user_id=post.author_id, type="reaction", actor_id=user.id, post_id=post.id)
    _commit()
    db.session.refresh(post)
    return post


def unreact(*, post_id: int, user: User, kind: str) -> Post:
    """Remove a reaction (idempotent)."""
    _check_kind(kind)
    post = get_post_or_404(post_id, viewer=user)
    removed = db.session.execute(
        delete(Reaction).where(
            Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind
        )
    )
    if removed.rowcount:
        _bump_reaction(post.id, kind, -1)
    _commit()
    db.session.refresh(post)
    return post


def _check_kind(kind: str) -> None:
    if kind not in REACTION_KINDS:
        raise NotFound(
            _("Unknown reaction. Use one of: %(kinds)s.", kinds=", ".join(REACTION_KINDS))
        )


def _bump_reaction(post_id: int, kind: str, step: int) -> None:
    column = getattr(Post, f"{kind}_count")
    db.session.execute(
        update(Post)
        .where(Post.id == post_id)
        .values({column: column + step, Post.reactions_count: Post.reactions_count + step})
        .execution_options(synchronize_session=False)
    )


def bookmark(*, post_id: int, user: User) -> None:
    """Save a post for later (idempotent)."""
    post = get_post_or_404(post_id, viewer=user)
    if db.session.get(Bookmark, (user.id, post.id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(Bookmark(user_id=user.id, post_id=post.id))
        except IntegrityError:
            pass
    _commit()


def unbookmark(*, post_id: int, user: User) -> None:
    """Forget a saved post (idempotent)."""
    get_post_or_404(post_id, viewer=user)
    db.session.execute(
        delete(Bookmark).where(Bookmark.user_id == user.id, Bookmark.post_id == post_id)
    )
    _commit()


def add_comment(*, post_id: int, author: User, body: str, parent_id: int | None = None) -> Comment:
    """Comment on a post, or reply to one of its comments; notify the people concerned."""
    _require_writer(author)
    post = get_post_or_404(post_id, viewer=author)
    body = rules.check_body(body, limit=rules.COMMENT_MAX)
    parent = None
    if parent_id is not None:
        # An id no row can have (a page form sends any digits) is simply no comment.
        parent = db.session.get(Comment, parent_id) if 0 < parent_id <= INT_MAX else None
        # A comment by someone blocked either way is hidden from you: as if it never was.
        if (
            parent is None
            or parent.post_id != post.id
            or blocked_between(author.id, parent.author_id)
        ):
            raise ValidationError(
                _("You can only reply to a comment of this post."),
                {"parent_id": [_("No such comment on this post.")]},
            )
        if parent.deleted_at is not None:
            raise ValidationError(
                _("That comment was deleted."), {"parent_id": [_("That comment was deleted.")]}
            )
    refuse_if_blocked(author.id, post.author_id, _("You cannot reply to this person."))
    rendered = _render(body, pictures=False)
    comment = Comment(
        post_id=post.id,
        author_id=author.id,
        parent_id=parent.id if parent else None,
        body=body,
        body_html=rendered.html,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(comments_count=Post.comments_count + 1)
        .execution_options(synchronize_session=False)
    )
    told: set[int] = {author.id}
    if parent is not None and parent.author_id not in told:
        notify(
            user_id=parent.author_id,
            type="reply",
            actor_id=author.id,
            post_id=post.id,
            comment_id=comment.id,
        )
        told.add(parent.author_id)
    if post.author_id not in told:
        notify(
            user_id=post.author_id,
            type="comment",
            actor_id=author.id,
            post_id=post.id,
            comment_id=comment.id,
        )
        told.add(post.author_id)
    _mention(post=post, actor_id=author.id, usernames=rendered.mentions, comment=comment, skip=told)
    _commit()
    return comment


def get_comment_or_404(comment_id: int) -> Comment:
    """Return the comment, or raise NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound(_("That comment does not exist or was deleted."))
    return comment


def edit_comment(*, comment_id: int, editor: User, body: str) -> Comment:
    """Change a comment's words; only its author may."""
    comment = get_comment_or_404(comment_id)
    # On a post whose author blocked you, your old comment is out of reach like the post.
    get_post_or_404(comment.post_id, viewer=editor)
    if comment.author_id != editor.id:
        raise Forbidden(_("Only the author can edit this comment."))
    _require_writer(editor)
    body = rules.check_body(body, limit=rules.COMMENT_MAX)
    rendered = _render(body, pictures=False)
    old = set(db.session.scalars(select(Mention.user_id).where(Mention.comment_id == comment.id)))
    comment.body = body
    comment.body_html = rendered.html
    comment.edited_at = utcnow()
    post = db.session.get(Post, comment.post_id)
    _mention(post=post, actor_id=editor.id, usernames=rendered.mentions, comment=comment, skip=old)
    _commit()
    return comment


def delete_comment(*, comment_id: int, actor: User, commit: bool = True) -> None:
    """Delete a comment (one with replies keeps its place, not its words)."""
    # commit=False: a moderation service adds its audit record to the same transaction.
    comment = get_comment_or_404(comment_id)
    if not _may_moderate(actor, comment.author_id):
        # Behind a block the post is not there at all: 404, as on every other route of it.
        get_post_or_404(comment.post_id, viewer=actor)
        raise Forbidden(_("Only the author or a moderator can delete this comment."))
    has_replies = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.parent_id == comment.id)
    )
    if has_replies:
        comment.deleted_at = utcnow()
        comment.body = ""
        comment.body_html = ""
    else:
        db.session.delete(comment)
    db.session.execute(
        update(Post)
        .where(Post.id == comment.post_id)
        .values(comments_count=Post.comments_count - 1)
        .execution_options(synchronize_session=False)
    )
    touch(db.session, "posts")
    if commit:
        db.session.commit()


def preview_markdown(body: str) -> str:
    """Render a draft exactly as a post would show it, without storing anything."""
    return shown_html(_render(rules.check_body(body)).html)
