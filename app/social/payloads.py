"""People as others see them: profiles and lists of people, with how you and they stand."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.accounts.models import User
from app.accounts.payloads import UserSummary, summary_fields
from app.pagination import Page
from app.payloads import Count, ItemsPage, Time
from app.social.queries import Relation
from app.timeutil import isoformat

Online = Annotated[
    bool | None,
    Field(
        description="Whether they have a live connection now; null while that is unknown "
        "(the presence store is briefly unreachable)."
    ),
]


class UserProfile(UserSummary):
    """A public profile as the viewer sees it."""

    bio: str
    location: str
    website: str
    created_at: Time
    followers_count: Count
    following_count: Count
    posts_count: Count
    online: Online
    is_following: Annotated[bool, Field(description="You follow them.")]
    follows_you: Annotated[bool, Field(description="They follow you.")]


class UserListItem(UserSummary):
    """One person in a list, and whether you follow them."""

    bio: str
    is_following: bool


class UserList(ItemsPage[UserListItem]):
    """A page of people."""


def user_profile(user: User, relation: Relation, *, online: bool | None) -> UserProfile:
    """Return a public profile as the viewer sees it (``online`` as the viewer may see it)."""
    return UserProfile(
        **summary_fields(user),
        bio=user.bio,
        location=user.location,
        website=user.website,
        created_at=isoformat(user.created_at),
        followers_count=user.followers_count,
        following_count=user.following_count,
        posts_count=user.posts_count,
        online=online,
        is_following=relation.is_following,
        follows_you=relation.follows_you,
    )


def user_page(page: Page[User], following: set[int]) -> UserList:
    """Return a page of people, marking those the viewer follows."""
    return UserList(
        items=[
            UserListItem(**summary_fields(user), bio=user.bio, is_following=user.id in following)
            for user in page.items
        ],
        next_cursor=page.next_cursor,
    )
