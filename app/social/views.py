"""Profile pages: posts, followers, following, and the follow button."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm
from app.feeds import queries as feeds
from app.feeds.atom import FEED_SIZE, FeedInfo, absolute, atom_response
from app.pagination import next_page_url, page_params
from app.redirects import referrer_or, see_other
from app.safety.visibility import is_online_given
from app.social import queries, services
from app.web import is_htmx, render_page
from app.web_helpers import viewer

bp = Blueprint("social", __name__)


@bp.get("/u/<username>")
def profile(username: str):
    """Show someone's profile and posts."""
    found = queries.profile_or_404(username, viewer=viewer())
    user = found.user
    if user.username != username:
        return redirect(url_for("social.profile", username=user.username), code=301)
    limit, cursor = page_params(20)
    page = feeds.by_author(user, limit=limit, cursor=cursor, viewer=viewer())
    next_url = next_page_url("social.profile", page, username=user.username)
    return render_page(
        "social/profile.html",
        block="items" if cursor else None,
        user=user,
        relation=found.relation,
        standing=found.standing,
        online=is_online_given(found.standing, user.id),
        tab="posts",
        page=page,
        next_url=next_url,
    )


@bp.get("/u/<username>/feed.atom")
def profile_feed(username: str):
    """Serve someone's newest posts as an Atom feed (the profile as anyone signed out sees it)."""
    user = queries.user_or_404(username)
    if user.username != username:
        return redirect(url_for("social.profile_feed", username=user.username), code=301)
    page = feeds.by_author(user, limit=FEED_SIZE, cursor=None, viewer=None, pins=False)
    info = FeedInfo(
        key=f"user:{user.username}",
        title=_("%(name)s (@%(username)s) on DevThread", name=user.name, username=user.username),
        subtitle=_("The newest posts by @%(username)s.", username=user.username),
        endpoint="social.profile_feed",
        page_endpoint="social.profile",
        values={"username": user.username},
        author_name=user.name,
        author_uri=absolute(url_for("social.profile", username=user.username)),
        empty_updated=user.created_at,
    )
    return atom_response(info, [view.post for view in page.items])


def _people(username: str, tab: str):
    found = queries.profile_or_404(username, viewer=viewer())
    user = found.user
    limit, cursor = page_params(30)
    lister = queries.followers if tab == "followers" else queries.following
    page = lister(user, limit=limit, cursor=cursor, viewer=viewer())
    endpoint = "social.followers" if tab == "followers" else "social.following"
    next_url = next_page_url(endpoint, page, username=user.username)
    return render_page(
        "social/profile.html",
        block="people" if cursor else None,
        user=user,
        relation=found.relation,
        standing=found.standing,
        online=is_online_given(found.standing, user.id),
        tab=tab,
        people=page.items,
        followed=queries.following_ids(viewer(), [p.id for p in page.items]),
        next_url=next_url,
    )


@bp.get("/u/<username>/followers")
def followers(username: str):
    """Show who follows someone."""
    return _people(username, "followers")


@bp.get("/u/<username>/following")
def following(username: str):
    """Show who someone follows."""
    return _people(username, "following")


@bp.post("/u/<username>/follow")
@login_required
def toggle_follow(username: str):
    """Follow or unfollow; htmx gets the button back."""
    if EmptyForm().validate_on_submit():
        if request.form.get("on") == "1":
            target = services.follow(follower=current_user, username=username)
        else:
            target = services.unfollow(follower=current_user, username=username)
    else:
        target = queries.user_or_404(username, viewer=viewer())
    if is_htmx():
        return render_page(
            "social/follow_button.html", user=target, following=request.form.get("on") == "1"
        )
    return see_other(referrer_or(url_for("social.profile", username=target.username)))
