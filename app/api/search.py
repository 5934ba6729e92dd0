"""API route for search: posts, people or tags."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_viewer
from app.api.spec import operation
from app.payloads import page_of
from app.posts.payloads import TagList, post_page, tag_payload
from app.ratelimits import search_limit
from app.search import queries
from app.search.payloads import SearchQuery, SearchResults
from app.social.payloads import user_page
from app.social.queries import following_ids


@bp.get("/search")
@search_limit
@operation(
    "Search posts, people or tags, best match first",
    "Search",
    {200: ("A PostList, UserList or TagList.", SearchResults)},
    query=SearchQuery,
    description=(
        "Posts: full text, tags weigh more than the body. People: username or display name"
        " prefix, most followed first. Tags: name prefix, most used first. Searches have a"
        " budget of their own (`SEARCH_LIMIT`), shared with the page."
    ),
)
def search(query: SearchQuery):
    """Return the posts, people or tags matching ``q``, best match first."""
    # A missing or blank query finds nothing; the queries say so without touching the database.
    text, limit, cursor, viewer = query.q or "", query.limit, query.cursor, api_viewer()
    if query.type == "users":
        people = queries.search_users(text, limit=limit, cursor=cursor, viewer=viewer)
        return user_page(people, following_ids(viewer, [u.id for u in people.items]))
    if query.type == "tags":
        return page_of(TagList, queries.search_tags(text, limit=limit, cursor=cursor), tag_payload)
    return post_page(queries.search_posts(text, limit=limit, cursor=cursor, viewer=viewer))
