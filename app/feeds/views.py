"""Feed pages: home, latest, trending, tags, with infinite scroll."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _

from app.cards import empty_composer
from app.feeds import queries
from app.feeds.atom import FEED_SIZE, FeedInfo, atom_response
from app.pagination import next_page_url, page_params
from app.posts.forms import PostForm
from app.web import render_page
from app.web_helpers import viewer

bp = Blueprint("feeds", __name__)

PAGE_SIZE = 20


def _feed(tab: str):
    """Render one feed tab; htmx asking for the next page gets only the items."""
    user = viewer()
    limit, cursor = page_params(PAGE_SIZE)
    if tab == "home":
        page = queries.home(user=user, limit=limit, cursor=cursor)
    elif tab == "trending":
        page = queries.trending(limit=limit, cursor=cursor, viewer=user)
    else:
        page = queries.latest(limit=limit, cursor=cursor, viewer=user)
    endpoint = {"home": "feeds.home", "latest": "feeds.latest", "trending": "feeds.trending"}[tab]
    next_url = next_page_url(endpoint, page)
    composer = empty_composer() if user and not cursor else None
    return render_page(
        "feeds/feed.html",
        block="items" if cursor else None,
        tab=tab,
        page=page,
        next_url=next_url,
        composer=composer,
        form=PostForm(formdata=None) if user and composer is None and not cursor else None,
    )


@bp.get("/")
def home():
    """Show the home feed to people signed in, the latest posts to everyone else."""
    return _feed("home" if viewer() else "latest")


@bp.get("/latest")
def latest():
    """Show every post, newest first."""
    return _feed("latest")


@bp.get("/trending")
def trending():
    """Show what is getting attention now."""
    return _feed("trending")


@bp.get("/tags/<tag>")
def tag_page(tag: str):
    """Show the posts with a tag."""
    user = viewer()
    found = queries.tag_for_page(tag, user)
    if found is None:
        abort(404)
    tag_row, following = found
    limit, cursor = page_params(PAGE_SIZE)
    page = queries.by_tag(tag_row, limit=limit, cursor=cursor, viewer=user)
    next_url = next_page_url("feeds.tag_page", page, tag=tag_row.name)
    return render_page(
        "feeds/tag.html",
        block="items" if cursor else None,
        tag=tag_row,
        page=page,
        next_url=next_url,
        following=following,
    )


@bp.get("/latest/feed.atom")
def latest_feed():
    """Serve the newest posts as an Atom feed."""
    page = queries.latest(limit=FEED_SIZE, cursor=None, viewer=None)
    info = FeedInfo(
        key="latest",
        title=_("Latest posts on DevThread"),
        subtitle=_("Every new post on DevThread, newest first."),
        endpoint="feeds.latest_feed",
        page_endpoint="feeds.latest",
        values={},
    )
    return atom_response(info, [view.post for view in page.items])


@bp.get("/tags/<tag>/feed.atom")
def tag_feed(tag: str):
    """Serve the newest posts with a tag as an Atom feed."""
    found = queries.get_tag(tag)
    if found is None:
        abort(404)
    page = queries.by_tag(found, limit=FEED_SIZE, cursor=None, viewer=None)
    info = FeedInfo(
        key=f"tag:{found.name}",
        title=_("#%(tag)s on DevThread", tag=found.name),
        subtitle=_("The newest posts tagged #%(tag)s.", tag=found.name),
        endpoint="feeds.tag_feed",
        page_endpoint="feeds.tag_page",
        values={"tag": found.name},
    )
    return atom_response(info, [view.post for view in page.items])
