"""Followed tags as payloads."""

from __future__ import annotations

from typing import Any

from app.payloads import Count, ItemsPage, Payload


class FollowedTag(Payload):
    """A tag you follow, and how many posts carry it."""

    name: str
    posts_count: Count


class TagInfo(Payload):
    """A tag: how many posts carry it, and whether you follow it (false when signed out)."""

    name: str
    posts_count: Count
    following: bool


class FollowedTagList(ItemsPage[FollowedTag]):
    """A page of the tags you follow, the latest followed first."""


def followed_tag(row: Any) -> FollowedTag:
    """Return a followed tag from its row (name, posts_count)."""
    return FollowedTag(name=row.name, posts_count=row.posts_count)
