"""Turn domain objects into the API's JSON shapes."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.timeutil import isoformat


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


def notification_object(notification) -> dict[str, Any]:
    """Return the API's notification object."""
    if notification.type == "removed":
        # A moderators' notice says what was removed and why.
        return {
            **_notification_fields(notification),
            "target_type": notification.target_type,
            "reason": notification.reason,
        }
    return _notification_fields(notification)


def _notification_fields(notification) -> dict[str, Any]:
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


def message_object(message) -> dict[str, Any]:
    """Return the API's message object."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender": user_summary(message.sender),
        "body": message.body,
        "created_at": isoformat(message.created_at),
    }


def post_object(view) -> dict[str, Any]:
    """Return the API's post object as one viewer sees it."""
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
        "my_reactions": list(view.my_reactions),
        "bookmarked": view.bookmarked,
        "url": f"/p/{post.id}",
    }
