"""A block hides both people from each other everywhere: presence, comments, people lists.

Alice blocks Bob. Carol and Dave are bystanders whose posts and lists both of them read.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.accounts.queries import find_by_username
from app.live import render
from app.messaging import services as messaging
from app.posts import queries as posts_queries
from app.posts import services as posts
from app.realtime import presence
from app.realtime.hub import Connection
from app.safety import services as safety
from app.social import services as social
from tests.conftest import Api, Auth, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(app) -> dict[str, int]:
    return {name: make_user(app, name) for name in ("alice", "bob", "carol", "dave")}


def user(name: str):
    return find_by_username(name)


def page_as(app, name: str):
    client = app.test_client()
    Auth(client).login(name)
    return client


def api_as(app, name: str) -> Api:
    api = Api(app.test_client())
    api.login(name)
    return api


@pytest.fixture
def online(app, people) -> Iterator[dict[str, int]]:
    """Everyone has a socket open, and their conversations exist; then Alice blocks Bob."""
    conversations = {}
    with app.test_request_context():
        for first, second in (("bob", "alice"), ("bob", "carol"), ("alice", "carol")):
            conversation, _ = messaging.start_conversation(user=user(first), username=second)
            conversations[first + "_" + second] = conversation.id
        for name, uid in people.items():
            presence.connect(uid, f"test-{name}")
        safety.block(blocker=user("alice"), username="bob")
    yield conversations
    with app.test_request_context():
        for name, uid in people.items():
            presence.disconnect(uid, f"test-{name}")


def _dot(username: str) -> str:
    return f"presence-u-{username} is-online"


def test_pages_show_no_presence_across_a_block(app, people, online):
    alice, bob = page_as(app, "alice"), page_as(app, "bob")
    bob_alice, bob_carol = online["bob_alice"], online["bob_carol"]
    alice_carol = online["alice_carol"]
    # The lists: the other side of the block is there (the history stays) but never online.
    inbox = bob.get("/messages").text
    assert "/u/alice" in inbox or "alice" in inbox
    assert _dot("carol") in inbox and _dot("alice") not in inbox
    inbox = alice.get("/messages").text
    assert _dot("carol") in inbox and _dot("bob") not in inbox
    # The conversation pages, each side.
    assert _dot("alice") not in bob.get(f"/messages/{bob_alice}").text
    assert _dot("bob") not in alice.get(f"/messages/{bob_alice}").text
    assert _dot("carol") in bob.get(f"/messages/{bob_carol}").text
    assert _dot("carol") in alice.get(f"/messages/{alice_carol}").text
    # The blocker can still open the profile (to unblock): no dot there either.
    assert _dot("bob") not in alice.get("/u/bob").text
    assert _dot("carol") in alice.get("/u/carol").text


def test_the_api_shows_no_presence_across_a_block(app, people, online):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    for me, other in ((bob, "alice"), (alice, "bob")):
        items = me.call("GET", "/conversations").get_json()["items"]
        seen = {p["username"]: p["online"] for item in items for p in item["participants"]}
        assert seen[other] is False, other
        assert seen["carol"] is True
        for item in items:
            one = me.call("GET", f"/conversations/{item['id']}").get_json()
            assert {p["username"]: p["online"] for p in one["participants"]} == {
                p["username"]: p["online"] for p in item["participants"]
            }
    assert alice.call("GET", "/users/bob").get_json()["online"] is False
    assert alice.call("GET", "/users/carol").get_json()["online"] is True


def test_presence_frames_do_not_cross_a_block(app, people, online, monkeypatch):
    sent: list[tuple] = []
    monkeypatch.setattr(render, "publish_now", lambda *args: sent.append(args))
    with app.test_request_context():
        render.announce_presence(people["bob"], online=True)
        render.announce_presence(people["alice"], online=True)
    told = {data["username"]: set(users) for users, _type, data in sent}
    assert people["alice"] not in told["bob"] and people["carol"] in told["bob"]
    assert people["bob"] not in told["alice"] and people["carol"] in told["alice"]
    with app.test_request_context():
        first = render.initial_frames(Connection(user_id=people["bob"]))
        assert '"username":"alice"' not in "".join(first)
        assert '"username":"carol"' in "".join(first)
        first = render.initial_frames(Connection(user_id=people["alice"]))
        assert '"username":"bob"' not in "".join(first)


def test_read_marks_do_not_cross_a_block(app, people, monkeypatch):
    with app.test_request_context():
        conversation, _ = messaging.start_conversation(user=user("bob"), username="alice")
        messaging.send_message(conversation_id=conversation.id, sender=user("bob"), body="hi")
        safety.block(blocker=user("alice"), username="bob")
        emitted: list[tuple] = []
        real_emit = messaging.emit
        monkeypatch.setattr(
            messaging,
            "emit",
            lambda session, users, kind, payload, **kw: (
                emitted.append((set(users), kind)),
                real_emit(session, users, kind, payload, **kw),
            ),
        )
        messaging.mark_read(conversation_id=conversation.id, user=user("alice"))
    reads = [users for users, kind in emitted if kind == "read"]
    assert reads and all(people["bob"] not in users for users in reads)


@pytest.fixture
def thread(app, people) -> dict[str, int]:
    """Carol's post, commented on by everyone, before Alice blocks Bob.

    b1 (Bob) <- c1 (Carol): a hidden comment with a visible reply
    b2 (Bob): hidden, no replies
    b3 (Bob) <- b4 (Bob) <- d1 (Dave): two hidden comments in a row above a visible one
    a1 (Alice) <- d2 (Dave): hidden from Bob
    d3 (Dave): visible to all
    """
    ids: dict[str, int] = {}
    with app.test_request_context():
        post = posts.create_post(author=user("carol"), body="carol asks")
        ids["post"] = post.id

        def say(key: str, who: str, parent: str | None = None) -> None:
            ids[key] = posts.add_comment(
                post_id=post.id,
                author=user(who),
                body=f"words of {key}",
                parent_id=ids[parent] if parent else None,
            ).id

        say("b1", "bob")
        say("c1", "carol", "b1")
        say("b2", "bob")
        say("b3", "bob")
        say("b4", "bob", "b3")
        say("d1", "dave", "b4")
        say("a1", "alice")
        say("d2", "dave", "a1")
        say("d3", "dave")
        safety.block(blocker=user("alice"), username="bob")
    return ids


def test_comment_threads_hide_blocked_people_both_ways(app, thread):
    with app.test_request_context():
        for viewer, hidden_with_replies, hidden_alone, visible in (
            ("alice", {"b1", "b3", "b4"}, {"b2"}, {"c1", "d1", "a1", "d2", "d3"}),
            ("bob", {"a1"}, set(), {"b1", "c1", "b2", "b3", "b4", "d1", "d2", "d3"}),
            ("carol", set(), set(), set(thread) - {"post"}),
        ):
            flat = _flatten(posts_queries.comment_threads(thread["post"], viewer=user(viewer)))
            by_id = {node.comment.id: node for node in flat}
            names = {key: thread[key] for key in thread if key != "post"}
            assert {k for k, v in names.items() if v in by_id and by_id[v].hidden} == (
                hidden_with_replies
            ), viewer
            assert {k for k, v in names.items() if v not in by_id} == hidden_alone, viewer
            assert {k for k, v in names.items() if v in by_id and not by_id[v].hidden} == visible


def _flatten(nodes):
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.replies))
    return out


def test_the_post_page_shows_a_neutral_placeholder(app, thread):
    alice = page_as(app, "alice")
    page = alice.get(f"/p/{thread['post']}").text
    for key in ("b1", "b2", "b3", "b4"):
        assert f"words of {key}" not in page
    assert "@bob" not in page and "/u/bob" not in page
    assert f'id="comment-{thread["b1"]}"' in page  # the place is kept for Carol's reply
    assert f'id="comment-{thread["b2"]}"' not in page
    assert "words of c1" in page and "words of d1" in page
    assert page.count("This comment is hidden.") == 3
    # And the same from Bob's side, as a fragment too.
    bob = page_as(app, "bob")
    page = bob.get(f"/p/{thread['post']}").text
    assert "words of a1" not in page and "/u/alice" not in page and "words of d2" in page


def test_the_api_lists_placeholders_without_the_author(app, thread):
    alice = api_as(app, "alice")
    seen: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = alice.call("GET", f"/posts/{thread['post']}/comments", query_string=query)
        assert body.status_code == 200
        seen += body.get_json()["items"]
        cursor = body.get_json()["next_cursor"]
        if not cursor:
            break
    by_id = {item["id"]: item for item in seen}
    assert thread["b2"] not in by_id
    for key in ("b1", "b3", "b4"):
        item = by_id[thread[key]]
        assert item["hidden"] is True and item["deleted"] is True
        assert item["body"] == "" and item["body_html"] == ""
        assert "bob" not in str(item)
    assert by_id[thread["c1"]]["parent_id"] == thread["b1"]
    assert not by_id[thread["d3"]].get("hidden")
    assert "words of a1" in str(by_id[thread["a1"]])
    # Bob's view: Alice's comment is the placeholder.
    bob = api_as(app, "bob")
    items = bob.call("GET", f"/posts/{thread['post']}/comments").get_json()["items"]
    a1 = next(item for item in items if item["id"] == thread["a1"])
    assert a1["hidden"] is True and "alice" not in str(a1)


def test_people_lists_hide_blocked_people_both_ways(app, people):
    with app.test_request_context():
        for name in ("alice", "bob"):
            social.follow(follower=user(name), username="carol")
            social.follow(follower=user("dave"), username=name)
        safety.block(blocker=user("alice"), username="bob")
    alice, bob = page_as(app, "alice"), page_as(app, "bob")

    def listed(client, path: str) -> str:
        return client.get(path).text.split('id="people"', 1)[1]

    assert "/u/bob" not in listed(alice, "/u/carol/followers")
    assert "/u/alice" not in listed(bob, "/u/carol/followers")
    assert "/u/bob" not in listed(alice, "/u/dave/following")
    assert "/u/alice" not in listed(bob, "/u/dave/following")
    for me, other in ((api_as(app, "alice"), "bob"), (api_as(app, "bob"), "alice")):
        followers = me.call("GET", "/users/carol/followers").get_json()["items"]
        following = me.call("GET", "/users/dave/following").get_json()["items"]
        assert other not in {p["username"] for p in followers + following}
    # Anyone else still sees both.
    carol = api_as(app, "carol")
    followers = carol.call("GET", "/users/carol/followers").get_json()["items"]
    assert {"alice", "bob"} <= {p["username"] for p in followers}


def test_seen_marks_do_not_show_across_a_block(app, people):
    with app.test_request_context():
        conversation = messaging.start_conversation(user=user("bob"), username="alice")[0].id
        messaging.send_message(conversation_id=conversation, sender=user("bob"), body="hi")
        messaging.mark_read(conversation_id=conversation, user=user("alice"))
    bob = page_as(app, "bob")
    assert "Seen by alice" in bob.get(f"/messages/{conversation}").text
    with app.test_request_context():
        safety.block(blocker=user("alice"), username="bob")
    assert "Seen by alice" not in bob.get(f"/messages/{conversation}").text
