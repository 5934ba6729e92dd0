"""Atom 1.0 feeds of a page's posts, answered conditionally (ETag, Last-Modified, 304).

A feed is the public page as an anonymous visitor sees it, whoever asks: feed readers send no
cookies, and one answer for everyone is what lets shared caches keep it (``Cache-Control:
public``). The posts come from the pages' own queries, so whatever keeps a post off the pages
keeps it out of the feeds too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Response, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from lxml import etree
from werkzeug.http import http_date, is_resource_modified

from app.posts.display import shown_html
from app.posts.queries import PostRow

# How many of the newest posts a feed holds: a reader polling every half hour misses none
# on a busy tag, and the answer stays small (about 60 KB).
FEED_SIZE = 30
# Shared caches (and readers) may keep a feed this long before asking again; the ETag then
# makes asking cheap: a 304 is sent before any XML is built.
FEED_MAX_AGE = 300
# Bump when the XML changes shape, so caches holding the old one fetch the new.
FORMAT_VERSION = "1"
ATOM_MIMETYPE = "application/atom+xml"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
# A feed without posts has no newest post to date it: this stands in (an ETag still tells).
EMPTY_UPDATED = datetime(2024, 1, 1, tzinfo=UTC)
TITLE_LENGTH = 80
# XML 1.0 refuses these characters, and lxml refuses to write them: a post may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Site-relative addresses in a post's HTML (mentions, tags, pictures through the proxy).
_RELATIVE = re.compile(r'(\s(?:href|src)=")/(?!/)')
_MARKUP_LEAD = re.compile(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+")


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says of itself: its title, its own address and the page it mirrors."""

    key: str  # "latest", "tag:<name>", "user:<username>": part of the ETag
    title: str
    subtitle: str
    endpoint: str  # the feed's own route
    page_endpoint: str  # the page the feed mirrors
    values: dict[str, str]  # the path values both routes take
    author_name: str | None = None
    author_uri: str | None = None
    empty_updated: datetime = EMPTY_UPDATED


def site_root() -> str:
    """Return the site's address with a trailing slash: PUBLIC_URL, else this request's."""
    return current_app.config.get("PUBLIC_URL") or request.url_root


def absolute(path: str) -> str:
    """Return an address of this site for a path that starts with a slash."""
    return site_root().rstrip("/") + path


def entry_title(body: str, author: str) -> str:
    """Return a post's title: its first line of text, without Markdown's leading marks."""
    fence = False
    for line in body.splitlines():
        text = line.strip()
        if text.startswith(("```", "~~~")):
            fence = not fence
            continue
        text = _MARKUP_LEAD.sub("", text).strip()
        if text and not fence:
            text = _NOT_XML.sub("", text)
            if len(text) > TITLE_LENGTH:
                text = text[: TITLE_LENGTH - 1].rstrip() + "…"
            return text
    return _("A post by %(name)s", name=author)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _updated(post: PostRow) -> datetime:
    return _aware(post.edited_at or post.created_at)


def feed_etag(info: FeedInfo, posts: Sequence[PostRow]) -> str:
    """Return the feed's ETag: a digest of everything its XML shows that can change."""
    digest = hashlib.sha256()
    head = (FORMAT_VERSION, info.key, info.title, info.author_name, site_root(), str(get_locale()))
    digest.update(repr(head).encode())
    for post in posts:
        item = (post.id, post.created_at, post.edited_at, post.author.username, post.author.name)
        digest.update(repr(item).encode())
    return digest.hexdigest()[:32]


def render_atom(info: FeedInfo, posts: Sequence[PostRow]) -> bytes:
    """Write the feed's Atom 1.0 XML."""
    root = site_root().rstrip("/")
    self_url = root + url_for(info.endpoint, **info.values)
    page_url = root + url_for(info.page_endpoint, **info.values)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(info.title)
    feed.subtitle(info.subtitle)
    feed.link(href=self_url, rel="self", type=ATOM_MIMETYPE)
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language(str(get_locale()))
    feed.generator("DevThread", uri=root + "/")
    feed.icon(root + url_for("static", filename="img/icons/icon-192.png"))
    if info.author_name:
        feed.author(name=info.author_name, uri=info.author_uri)
    feed.updated(max((_updated(post) for post in posts), default=_aware(info.empty_updated)))
    tag_scheme = root + url_for("feeds.tag_page", tag="x")[:-1]
    made_absolute = rf"\1{root}/"
    profiles: dict[str, str] = {}
    for post in posts:
        post_url = root + url_for("posts.show_post", post_id=post.id)
        username = post.author.username
        if username not in profiles:
            profiles[username] = root + url_for("social.profile", username=username)
        entry = feed.add_entry(order="append")
        entry.id(post_url)
        entry.title(entry_title(post.body, post.author.name))
        entry.link(href=post_url, rel="alternate", type="text/html")
        entry.author(name=post.author.name, uri=profiles[username])
        entry.published(_aware(post.created_at))
        entry.updated(_updated(post))
        html = _RELATIVE.sub(made_absolute, shown_html(post.body_html))
        entry.content(_NOT_XML.sub("", html), type="html")
        for tag in post.tag_names:
            entry.category(term=tag, scheme=tag_scheme, label=f"#{tag}")
    return _with_entry_link_types(feed.atom_str(pretty=False))


def _with_entry_link_types(xml: bytes) -> bytes:
    """Write each entry link's rel and type, which feedgen 1.0 drops (its loop reuses a name)."""
    root = etree.fromstring(xml)
    for link in root.iterfind("atom:entry/atom:link", {"atom": ATOM_NAMESPACE}):
        link.set("rel", "alternate")
        link.set("type", "text/html")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def atom_response(info: FeedInfo, posts: Sequence[PostRow]) -> Response:
    """Answer with the feed, or 304 when the reader's copy (ETag or date) is still current."""
    etag = feed_etag(info, posts)
    newest = max((_updated(post) for post in posts), default=_aware(info.empty_updated))
    if is_resource_modified(request.environ, etag=etag, last_modified=newest):
        response = Response(render_atom(info, posts), mimetype=ATOM_MIMETYPE)
    else:
        response = Response(status=304)
    response.set_etag(etag)
    response.headers["Last-Modified"] = http_date(newest)
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    # Titles are in the reader's language, chosen from Accept-Language.
    response.vary.add("Accept-Language")
    return response
