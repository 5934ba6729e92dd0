"""Atom feeds: read by feedparser as a feed reader would, answered conditionally, fixed cost."""

from __future__ import annotations

import threading
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import event

from app.accounts.queries import find_by_username
from app.extensions import db
from app.feeds.atom import FEED_SIZE, entry_title
from app.posts import services as posts
from app.timeutil import utcnow
from tests.conftest import Auth, make_user

ATOM = "application/atom+xml"


@pytest.fixture
def world(app):
    """Alice and Bob, each with posts; Bob's second one is tagged and mentions Alice."""
    make_user(app, "alice", display_name="Alice Liddell")
    make_user(app, "bob")
    with app.test_request_context():
        alice, bob = find_by_username("alice"), find_by_username("bob")
        posts.create_post(author=alice, body="# Hello feeds\n\nFirst **post** by Alice.")
        posts.create_post(author=bob, body="Pattern matching in 3.12\n\nsee @alice", tags=["py"])
        db.session.commit()


def read(client, path: str, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == ATOM
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return response, parsed


def test_latest_feed_reads_as_atom_with_entries_titles_links_and_authors(client, world):
    response, parsed = read(client, "/latest/feed.atom")
    assert parsed.feed.title == "Latest posts on DevThread"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == "http://localhost/latest/feed.atom"
    assert links["alternate"] == "http://localhost/latest"
    titles = [entry.title for entry in parsed.entries]
    assert titles == ["Pattern matching in 3.12", "Hello feeds"]  # newest first
    newest, oldest = parsed.entries
    assert newest.id == newest.link and newest.link.startswith("http://localhost/p/")
    assert newest.author_detail.name == "bob"
    assert newest.author_detail.href == "http://localhost/u/bob"
    assert oldest.author_detail.name == "Alice Liddell"
    assert newest.content[0].type == "text/html"
    # The rendered HTML, with the site's own links made absolute for a reader elsewhere.
    assert 'href="http://localhost/u/alice"' in newest.content[0].value
    assert "<strong>post</strong>" in oldest.content[0].value
    assert [tag.term for tag in newest.tags] == ["py"]
    assert newest.updated_parsed and newest.published_parsed
    assert f'<link href="{newest.link}" rel="alternate" type="text/html"/>' in response.text
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Accept-Language" in response.headers["Vary"]  # titles are translated


def test_tag_and_profile_feeds_hold_only_their_posts(client, world):
    _, tagged = read(client, "/tags/py/feed.atom")
    assert [entry.title for entry in tagged.entries] == ["Pattern matching in 3.12"]
    assert tagged.feed.title == "#py on DevThread"
    _, profile = read(client, "/u/alice/feed.atom")
    assert [entry.title for entry in profile.entries] == ["Hello feeds"]
    assert profile.feed.author_detail.name == "Alice Liddell"
    links = {link.rel: link.href for link in profile.feed.links}
    assert links["self"] == "http://localhost/u/alice/feed.atom"
    assert links["alternate"] == "http://localhost/u/alice"


def test_an_empty_profile_feed_is_still_a_valid_feed(app, client):
    make_user(app, "quiet")
    _, parsed = read(client, "/u/quiet/feed.atom")
    assert parsed.entries == []


def test_feeds_hold_at_most_a_page_of_the_newest(app, client, world):
    with app.test_request_context():
        bob = find_by_username("bob")
        for n in range(FEED_SIZE + 3):
            posts.create_post(author=bob, body=f"note {n}", tags=["py"])
        db.session.commit()
    for path in ("/latest/feed.atom", "/tags/py/feed.atom", "/u/bob/feed.atom"):
        _, parsed = read(client, path)
        assert len(parsed.entries) == FEED_SIZE, path
        assert parsed.entries[0].title == f"note {FEED_SIZE + 2}"


@pytest.mark.parametrize("path", ["/latest/feed.atom", "/tags/py/feed.atom", "/u/bob/feed.atom"])
def test_a_current_copy_gets_304_and_a_change_a_new_etag(app, client, world, path):
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    # A copy older than the newest post is not current.
    older = (utcnow() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(path, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    with app.test_request_context():
        posts.create_post(author=find_by_username("bob"), body="a new one", tags=["py"])
        db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_an_edit_or_a_deletion_changes_the_etag(app, client, world):
    etag = client.get("/u/bob/feed.atom").headers["ETag"]
    with app.test_request_context():
        bob = find_by_username("bob")
        post_id = posts.create_post(author=bob, body="typo hree").id
        db.session.commit()
        with_post = client.get("/u/bob/feed.atom").headers["ETag"]
        posts.edit_post(post_id=post_id, editor=bob, body="typo here")
        db.session.commit()
        edited = client.get("/u/bob/feed.atom").headers["ETag"]
        posts.delete_post(post_id=post_id, actor=bob)
        db.session.commit()
    deleted = client.get("/u/bob/feed.atom").headers["ETag"]
    assert len({etag, with_post, edited}) == 3
    assert deleted == etag  # the same posts as before: the same feed


@pytest.mark.parametrize(
    "path",
    ["/tags/nothing/feed.atom", "/tags/%00/feed.atom", "/u/nobody/feed.atom", "/u/a%20b/feed.atom"],
)
def test_unknown_tags_and_people_are_404(client, world, path):
    assert client.get(path).status_code == 404


def test_a_username_in_other_case_is_sent_to_the_feed_by_its_name(client, world):
    response = client.get("/u/ALICE/feed.atom")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/u/alice/feed.atom")


def test_suspended_and_leaving_authors_are_treated_as_their_profiles_are(app, client, world):
    with app.test_request_context():
        find_by_username("bob").suspended = True
        db.session.commit()
    # A suspended person's profile still shows, with their posts: so does their feed.
    assert client.get("/u/bob").status_code == 200
    _, parsed = read(client, "/u/bob/feed.atom")
    assert [entry.title for entry in parsed.entries] == ["Pattern matching in 3.12"]
    with app.test_request_context():
        find_by_username("alice").deletion_due_at = utcnow() + timedelta(days=7)
        db.session.commit()
    # An account being deleted is gone at once: no profile, no feed.
    assert client.get("/u/alice").status_code == 404
    assert client.get("/u/alice/feed.atom").status_code == 404


def test_the_feed_is_the_same_for_everyone_and_sets_no_cookie(app, client, world):
    anonymous = client.get("/latest/feed.atom")
    signed_in = app.test_client()
    Auth(signed_in).login("alice")
    mine = signed_in.get("/latest/feed.atom")
    assert mine.data == anonymous.data
    assert mine.headers["ETag"] == anonymous.headers["ETag"]
    assert "Set-Cookie" not in mine.headers


def test_pages_announce_their_feeds(client, world):
    for page, feed in (
        ("/", "/latest/feed.atom"),
        ("/latest", "/latest/feed.atom"),
        ("/tags/py", "/tags/py/feed.atom"),
        ("/u/alice", "/u/alice/feed.atom"),
    ):
        html = client.get(page).get_data(as_text=True)
        head = html.split("</head>", 1)[0]
        assert '<link rel="alternate" type="application/atom+xml"' in head, page
        assert f'href="{feed}"' in head, page


def test_titles_come_from_the_first_line_of_text():
    assert entry_title("## Heading here\nrest", "al") == "Heading here"
    assert entry_title("```py\nprint(1)\n```\nAfter the code", "al") == "After the code"
    assert entry_title("\n\n> quoted words", "al") == "quoted words"
    assert entry_title("x" * 200, "al") == "x" * 79 + "…"
    assert entry_title("```\ncode only\n```", "al") == "A post by al"


def test_control_characters_in_a_post_leave_the_feed_readable(app, client, world):
    with app.test_request_context():
        posts.create_post(author=find_by_username("bob"), body="bell \x07 and \x1b escape")
        db.session.commit()
    _, parsed = read(client, "/u/bob/feed.atom")
    assert parsed.entries[0].title == "bell  and  escape"


def count_statements(app, client, path: str) -> int:
    statements: list[str] = []
    thread = threading.get_ident()

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == thread:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_each_feed_costs_the_same_statements_with_few_posts_or_many(app, client, world):
    paths = ("/latest/feed.atom", "/tags/py/feed.atom", "/u/bob/feed.atom")
    few = {path: count_statements(app, client, path) for path in paths}
    with app.test_request_context():
        bob = find_by_username("bob")
        for n in range(FEED_SIZE + 5):
            posts.create_post(author=bob, body=f"more {n} @alice", tags=["py", "extra"])
        db.session.commit()
    many = {path: count_statements(app, client, path) for path in paths}
    assert few == many
    assert many == {"/latest/feed.atom": 1, "/tags/py/feed.atom": 2, "/u/bob/feed.atom": 2}


def test_addresses_use_the_public_url_when_it_is_set(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://devthread.example/")
    _, parsed = read(client, "/u/bob/feed.atom")
    assert parsed.feed.id == "https://devthread.example/u/bob/feed.atom"
    entry = parsed.entries[0]
    assert entry.link.startswith("https://devthread.example/p/")
    assert 'href="https://devthread.example/u/alice"' in entry.content[0].value
