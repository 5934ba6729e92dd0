"""Turn domain objects into the API's JSON shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from app.accounts.models import User, UserSession
from app.messaging.models import Message
from app.notifications.models import Notification
from app.pagination import Page
from app.posts.models import Comment, Tag
from app.posts.queries import CommentView, PostView
from app.social.queries import Relation
from app.timeutil import isoformat

T = TypeVar("T")


def avatar_url(user: User) -> str:
    """Return the user's avatar, or the one generated from the username."""
    return user.avatar_url or f"/avatars/{user.username}.svg"


def user_summary(user: User) -> dict[str, Any]:
    """Return the short form of a user shown beside content."""
    return {
        "username": user.username,
        "display_name": user.display_name or user.username,
        "avatar_url": avatar_url(user),
    }


def private_user(user: User) -> dict[str, Any]:
    """Return everything a user may see of their own account."""
    return {
        **user_summary(user),
        "email": user.email,
        "role": user.role,
        "bio": user.bio,
        "location": user.location,
        "website": user.website,
        "dm_policy": user.dm_policy,
        "suspended": user.suspended,
        "created_at": isoformat(user.created_at),
    }


def session_json(record: UserSession, current_id: int | None) -> dict[str, Any]:
    """Return one sign-in as its owner sees it; ``current`` marks the caller's own."""
    return {
        "id": record.id,
        "kind": record.kind,
        "created_at": isoformat(record.created_at),
        "last_seen_at": isoformat(record.last_seen_at),
        "user_agent": record.user_agent,
        "current": record.id == current_id,
    }


def page_json(page: Page[T], item: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """Return a list page in the API's shape: ``{items, next_cursor}``."""
    return {"items": [item(entry) for entry in page.items], "next_cursor": page.next_cursor}


def post_json(view: PostView) -> dict[str, Any]:
    """Return a post as its viewer sees it."""
    post = view.post
    return {
        "id": post.id,
        "author": user_summary(post.author),
        "body": post.body,
        "body_html": post.body_html,
        "tags": post.tag_names,
        "created_at": isoformat(post.created_at),
        "edited_at": isoformat(post.edited_at),
        "comments_count": post.comments_count,
        "reactions": post.reactions,
        "my_reactions": view.my_reactions,
        "bookmarked": view.bookmarked,
        # The page address is part of the contract, so it is written here, not looked up.
        "url": f"/p/{post.id}",
    }


def reactions_json(view: PostView) -> dict[str, Any]:
    """Return a post's reaction counts and the viewer's own reactions."""
    return {"reactions": view.post.reactions, "my_reactions": view.my_reactions}


def comment_json(comment: Comment) -> dict[str, Any]:
    """Return a comment; a deleted one that keeps its place has no words."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "author": user_summary(comment.author),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": isoformat(comment.created_at),
        "edited_at": isoformat(comment.edited_at),
        "deleted": comment.deleted_at is not None,
    }


def comment_view_json(view: CommentView) -> dict[str, Any]:
    """Return a comment as the viewer sees it: one by someone blocked is a bare placeholder."""
    if not view.hidden:
        return comment_json(view.comment)
    comment = view.comment
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        # Neither who wrote it nor what: shaped like a deleted comment, which clients show so.
        "author": {"username": "", "display_name": "", "avatar_url": ""},
        "body": "",
        "body_html": "",
        "created_at": isoformat(comment.created_at),
        "edited_at": None,
        "deleted": True,
        "hidden": True,
    }


def user_profile(user: User, relation: Relation, *, online: bool) -> dict[str, Any]:
    """Return a public profile as the viewer sees it (``online`` as the viewer may see it)."""
    return {
        **user_summary(user),
        "bio": user.bio,
        "location": user.location,
        "website": user.website,
        "created_at": isoformat(user.created_at),
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "posts_count": user.posts_count,
        "online": online,
        "is_following": relation.is_following,
        "follows_you": relation.follows_you,
    }


def user_page(page: Page[User], following: set[int]) -> dict[str, Any]:
    """Return a page of people, marking those the viewer follows."""
    return page_json(
        page,
        lambda user: {
            **user_summary(user),
            "bio": user.bio,
            "is_following": user.id in following,
        },
    )


def notification_json(notification: Notification) -> dict[str, Any]:
    """Return a notification; a moderators' notice also says what was removed and why."""
    if notification.type == "removed":
        return {
            **_notification_fields(notification),
            "target_type": notification.target_type,
            "reason": notification.reason,
        }
    return _notification_fields(notification)


def _notification_fields(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "type": notification.type,
        "actor": user_summary(notification.actor),
        "post_id": notification.post_id,
        "comment_id": notification.comment_id,
        "conversation_id": notification.conversation_id,
        "created_at": isoformat(notification.created_at),
        "read": notification.read_at is not None,
    }


def tag_json(tag: Tag) -> dict[str, Any]:
    """Return a tag and how many posts carry it."""
    return {"name": tag.name, "posts_count": tag.posts_count}


def message_json(message: Message) -> dict[str, Any]:
    """Return a direct message."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender": user_summary(message.sender),
        "body": message.body,
        "created_at": isoformat(message.created_at),
    }
