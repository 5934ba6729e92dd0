"""API routes for people: profiles, follows, followers, following, their posts."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_user, api_viewer
from app.api.spec import operation
from app.feeds import queries as feeds
from app.payloads import PageQuery
from app.posts.payloads import PostList, post_page
from app.safety.visibility import is_online_for
from app.social import queries, services
from app.social.payloads import UserList, UserProfile, user_page, user_profile


@bp.get("/users/<username>")
@operation(
    "A person's public profile",
    "Users",
    {200: ("The profile, with how you and they stand.", UserProfile)},
)
def get_user(username: str):
    """Return someone's public profile, with how you and they stand."""
    user = queries.user_or_404(username, viewer=api_viewer())
    relation = queries.relation(api_viewer(), user)
    return user_profile(user, relation, online=is_online_for(api_viewer(), user.id))


@bp.put("/users/<username>/follow")
@operation(
    "Follow someone (idempotent)",
    "Users",
    {204: ("You follow them.", None)},
    errors=(422,),
    auth=True,
    description="Following yourself is 422.",
)
def follow_user(username: str):
    """Follow someone (idempotent)."""
    services.follow(follower=api_user(), username=username)


@bp.delete("/users/<username>/follow")
@operation(
    "Stop following someone (idempotent)",
    "Users",
    {204: ("You do not follow them.", None)},
    auth=True,
)
def unfollow_user(username: str):
    """Stop following someone (idempotent)."""
    services.unfollow(follower=api_user(), username=username)


def _people(username: str, query: PageQuery, listing) -> UserList:
    """Return a page of someone's followers or followed, marking whom the viewer follows."""
    owner = queries.user_or_404(username, viewer=api_viewer())
    page = listing(owner, limit=query.limit, cursor=query.cursor, viewer=api_viewer())
    return user_page(page, queries.following_ids(api_viewer(), [u.id for u in page.items]))


@bp.get("/users/<username>/followers")
@operation(
    "The people who follow someone, most recent first",
    "Users",
    {200: ("One page of people.", UserList)},
    query=PageQuery,
)
def list_followers(username: str, query: PageQuery):
    """Return the people who follow someone, most recent first."""
    return _people(username, query, queries.followers)


@bp.get("/users/<username>/following")
@operation(
    "The people someone follows, most recent first",
    "Users",
    {200: ("One page of people.", UserList)},
    query=PageQuery,
)
def list_following(username: str, query: PageQuery):
    """Return the people someone follows, most recent first."""
    return _people(username, query, queries.following)


@bp.get("/users/<username>/posts")
@operation(
    "Someone's posts, newest first",
    "Users",
    {200: ("One page of posts.", PostList)},
    query=PageQuery,
)
def list_user_posts(username: str, query: PageQuery):
    """Return someone's posts, newest first."""
    author = queries.user_or_404(username, viewer=api_viewer())
    return post_page(
        feeds.by_author(author, limit=query.limit, cursor=query.cursor, viewer=api_viewer())
    )
