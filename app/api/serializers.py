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
