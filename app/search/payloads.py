"""What a search takes and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, RootModel

from app.payloads import PageQuery, choice
from app.posts.payloads import PostList, TagList
from app.search.queries import SEARCH_TYPES
from app.social.payloads import UserList


class SearchQuery(PageQuery):
    """What to look for, and where."""

    q: Annotated[
        str | None,
        Field(
            description='Words, "phrases in quotes" and -excluded words (posts); a name or tag'
            " prefix (users, tags). Missing or blank: an empty list."
        ),
    ] = None
    type: Annotated[
        choice(SEARCH_TYPES),  # type: ignore[valid-type]
        Field(description="What to look for."),
    ] = SEARCH_TYPES[0]


class SearchResults(RootModel[PostList | UserList | TagList]):
    """A PostList, UserList or TagList, as `type` asked."""
