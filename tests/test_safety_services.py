"""Blocks, mutes and reports, through the services and queries (no HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.accounts.models import User
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.feeds import queries as feeds
from app.messaging import services as messaging
from app.notifications import queries as notes
from app.notifications.services import notify
from app.posts import queries as posts_queries
from app.posts import services as posts
from app.safety import queries, services
from app.safety.models import Report
from app.search import queries as search
from app.social import queries as social_queries
from app.social import services as social
from app.social.models import Follow
from tests.conftest import make_user


@pytest.fixture
def people(app, ctx):
    """Alice (who blocks), Bob (who gets blocked), Carol (a bystander)."""
    ids = {name: make_user(app, name) for name in ("alice", "bob", "carol")}
    return {name: db.session.get(User, uid) for name, uid in ids.items()}


def fresh(user: User) -> User:
    db.session.expire(user)
    return db.session.get(User, user.id)


def test_block_ends_follows_both_ways_and_keeps_the_counters(people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    social.follow(follower=alice, username="bob")
    social.follow(follower=bob, username="alice")
    social.follow(follower=carol, username="alice")
    services.block(blocker=alice, username="bob")
    services.block(blocker=alice, username="BOB")  # idempotent, any case
    assert db.session.query(Follow).filter(Follow.follower_id.in_([alice.id, bob.id])).count() == 0
    alice, bob = fresh(alice), fresh(bob)
    assert (alice.followers_count, alice.following_count) == (1, 0)  # carol still follows
    assert (bob.followers_count, bob.following_count) == (0, 0)
    assert queries.blocked_users(alice, limit=10, cursor=None).items == [bob]


def test_block_refuses_yourself_and_unknown_people(people):
    with pytest.raises(ValidationError):
        services.block(blocker=people["alice"], username="alice")
    with pytest.raises(ValidationError):
        services.mute(muter=people["alice"], username="alice")
    with pytest.raises(NotFound):
        services.block(blocker=people["alice"], username="nobody")


def test_neither_side_can_follow_across_a_block(people):
    services.block(blocker=people["alice"], username="bob")
    with pytest.raises(Forbidden):
        social.follow(follower=people["bob"], username="alice")
    with pytest.raises(Forbidden):
        social.follow(follower=people["alice"], username="bob")
    services.unblock(blocker=people["alice"], username="bob")
    services.unblock(blocker=people["alice"], username="bob")  # idempotent
    social.follow(follower=people["bob"], username="alice")


def test_blocked_people_cannot_message(people):
    alice, bob = people["alice"], people["bob"]
    conversation, _ = messaging.start_conversation(user=bob, username="alice")
    messaging.send_message(conversation_id=conversation.id, sender=bob, body="hi")
    services.block(blocker=alice, username="bob")
    with pytest.raises(Forbidden):
        messaging.start_conversation(user=bob, username="alice")
    with pytest.raises(Forbidden):
        messaging.send_message(conversation_id=conversation.id, sender=bob, body="hello?")
    with pytest.raises(Forbidden):
        messaging.send_message(conversation_id=conversation.id, sender=alice, body="and you")


def test_blocked_people_cannot_reply_to_posts_or_comments(people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    own = posts.create_post(author=alice, body="alice writes")
    elsewhere = posts.create_post(author=carol, body="carol writes")
    comment = posts.add_comment(post_id=elsewhere.id, author=alice, body="alice comments")
    services.block(blocker=alice, username="bob")
    # Her post is not there for him (404 like every route of it); her comment elsewhere is 403.
    with pytest.raises(NotFound):
        posts.add_comment(post_id=own.id, author=bob, body="let me in")
    # Her comment elsewhere is hidden from him: a reply to it finds nothing to answer.
    with pytest.raises(ValidationError):
        posts.add_comment(post_id=elsewhere.id, author=bob, body="reply", parent_id=comment.id)
    # Commenting on carol's post is still fine: only alice is out of reach.
    posts.add_comment(post_id=elsewhere.id, author=bob, body="to carol")


def test_blocked_people_do_not_notify_and_old_notifications_disappear(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=alice, body="hello")
    posts.react(post_id=post.id, user=bob, kind="like")
    assert notes.unread_count(alice) == 1
    services.block(blocker=alice, username="bob")
    assert notes.unread_count(alice) == 0
    assert notes.notifications_page(alice, limit=10).items == []
    posts.create_post(author=bob, body="hey @alice")
    assert notify(user_id=alice.id, type="follow", actor_id=bob.id) is None
    assert notes.notifications_page(alice, limit=10).items == []
    # Moderators' notices come through whatever was blocked.
    notify(user_id=alice.id, type="removed", actor_id=bob.id, target_type="post", reason="x")
    db.session.commit()
    assert [n.type for n in notes.notifications_page(alice, limit=10).items] == ["removed"]


def test_typing_does_not_cross_a_block(people, monkeypatch):
    alice, bob = people["alice"], people["bob"]
    conversation, _ = messaging.start_conversation(user=bob, username="alice")
    sent = []
    monkeypatch.setattr("app.messaging.services.publish_now", lambda *args: sent.append(args))
    messaging.typing(conversation_id=conversation.id, user=bob)
    services.block(blocker=alice, username="bob")
    messaging.typing(conversation_id=conversation.id, user=bob)
    assert len(sent) == 1


def test_bookmarks_hide_posts_across_a_block(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=alice, body="worth keeping")
    posts.bookmark(post_id=post.id, user=bob)
    assert len(posts_queries.bookmarks_page(bob, limit=10, cursor=None).items) == 1
    services.block(blocker=alice, username="bob")
    assert posts_queries.bookmarks_page(bob, limit=10, cursor=None).items == []


def test_blocked_people_cannot_open_the_blockers_posts_or_react(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=alice, body="mine")
    services.block(blocker=alice, username="bob")
    assert posts_queries.post_view(post.id, bob) is None
    with pytest.raises(NotFound):
        posts.get_post_or_404(post.id, viewer=bob)
    with pytest.raises(NotFound):
        posts.react(post_id=post.id, user=bob, kind="like")
    with pytest.raises(NotFound):
        social_queries.user_or_404("alice", viewer=bob)
    # The blocker can still open a link to the person they blocked.
    assert social_queries.user_or_404("bob", viewer=alice) == bob
    assert posts_queries.post_view(post.id, None) is not None


def visible(page) -> set[str]:
    return {view.post.body for view in page.items}


def test_feeds_and_search_hide_both_sides_of_a_block(people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    for user in (alice, bob, carol):
        posts.create_post(author=user, body=f"words by {user.username} #topic")
    social.follow(follower=bob, username="alice")
    services.block(blocker=alice, username="bob")
    feeds.refresh_snapshot()
    tag = feeds.get_tag("topic")
    for viewer, hidden in ((alice, "words by bob #topic"), (bob, "words by alice #topic")):
        assert hidden not in visible(feeds.latest(limit=10, cursor=None, viewer=viewer))
        assert hidden not in visible(feeds.home(user=viewer, limit=10, cursor=None))
        assert hidden not in visible(feeds.trending(limit=10, cursor=None, viewer=viewer))
        assert hidden not in visible(feeds.by_tag(tag, limit=10, cursor=None, viewer=viewer))
        assert hidden not in visible(
            search.search_posts("words", limit=10, cursor=None, viewer=viewer)
        )
        assert "words by carol #topic" in visible(
            feeds.latest(limit=10, cursor=None, viewer=viewer)
        )
    assert feeds.by_author(alice, limit=10, cursor=None, viewer=bob).items == []
    assert feeds.by_author(bob, limit=10, cursor=None, viewer=alice).items == []
    found = search.search_users("alice", limit=10, cursor=None, viewer=bob)
    assert found.items == []
    found = search.search_users("bob", limit=10, cursor=None, viewer=alice)
    assert found.items == []
    assert search.search_users("bob", limit=10, cursor=None, viewer=carol).items == [bob]
    # Anonymous readers and bystanders see everyone.
    assert len(feeds.latest(limit=10, cursor=None, viewer=None).items) == 3
    assert len(feeds.latest(limit=10, cursor=None, viewer=carol).items) == 3


def test_mute_leaves_feeds_only(people):
    alice, bob = people["alice"], people["bob"]
    posts.create_post(author=bob, body="bob talks #topic")
    social.follow(follower=alice, username="bob")
    services.mute(muter=alice, username="bob")
    services.mute(muter=alice, username="bob")  # idempotent
    feeds.refresh_snapshot()
    assert visible(feeds.trending(limit=10, cursor=None, viewer=bob)) == {"bob talks #topic"}
    tag = feeds.get_tag("topic")
    assert visible(feeds.latest(limit=10, cursor=None, viewer=alice)) == set()
    assert visible(feeds.home(user=alice, limit=10, cursor=None)) == set()
    assert visible(feeds.by_tag(tag, limit=10, cursor=None, viewer=alice)) == set()
    assert visible(feeds.trending(limit=10, cursor=None, viewer=alice)) == set()
    # Nothing else changes: the profile, search, the follow, bob's view of alice.
    assert visible(feeds.by_author(bob, limit=10, cursor=None, viewer=alice)) == {
        "bob talks #topic"
    }
    assert visible(search.search_posts("talks", limit=10, cursor=None, viewer=alice))
    assert db.session.get(Follow, (alice.id, bob.id)) is not None
    posts.react(post_id=posts.create_post(author=alice, body="x").id, user=bob, kind="like")
    assert notes.unread_count(alice) == 1
    services.unmute(muter=alice, username="bob")
    services.unmute(muter=alice, username="bob")
    assert visible(feeds.latest(limit=10, cursor=None, viewer=alice)) == {"bob talks #topic", "x"}


def test_feed_pages_keep_a_fixed_number_of_queries(app, people):
    alice = people["alice"]
    for name in [f"user{i}" for i in range(12)] + [f"other{i}" for i in range(6)]:
        make_user(app, name)
        author = db.session.scalar(db.select(User).filter_by(username=name))
        posts.create_post(author=author, body=f"post by {name} #topic")
        social.follow(follower=fresh(alice), username=name)
    alice = fresh(alice)

    def count(fn) -> int:
        statements: list[str] = []

        def listen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements)

    tag = feeds.get_tag("topic")
    readers = {
        "latest": lambda: feeds.latest(limit=20, cursor=None, viewer=alice),
        "home": lambda: feeds.home(user=alice, limit=20, cursor=None),
        "tag": lambda: feeds.by_tag(tag, limit=20, cursor=None, viewer=alice),
        "search": lambda: search.search_posts("post", limit=20, cursor=None, viewer=alice),
    }
    feeds.refresh_snapshot()  # the periodic job's ranking
    alice = fresh(alice)  # its commit expired her: reload her before counting
    readers["trending"] = lambda: feeds.trending(limit=20, cursor=None, viewer=alice)
    readers["search"]()  # shares the search's first keys, which blocks do not change
    before = {name: count(fn) for name, fn in readers.items()}
    for i in range(0, 12, 2):
        services.block(blocker=alice, username=f"user{i}")
        services.mute(muter=alice, username=f"user{i + 1}")
    alice = fresh(alice)
    after = {name: count(fn) for name, fn in readers.items()}
    assert after == before
    assert len(feeds.latest(limit=20, cursor=None, viewer=alice).items) == 6


def test_block_and_mute_lists_walk_every_person_once(people, app):
    alice = people["alice"]
    for i in range(5):
        make_user(app, f"person{i}")
        services.block(blocker=alice, username=f"person{i}")
        services.mute(muter=alice, username=f"person{i}")
    for lister in (queries.blocked_users, queries.muted_users):
        seen, cursor = [], None
        while True:
            page = lister(alice, limit=2, cursor=cursor)
            seen += [u.username for u in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        assert seen == [f"person{i}" for i in reversed(range(5))]


def test_standing_in_one_query(people):
    alice, bob = people["alice"], people["bob"]
    services.block(blocker=alice, username="bob")
    services.mute(muter=alice, username="bob")
    assert queries.standing(alice, bob) == queries.Standing(blocking=True, muting=True)
    assert queries.standing(bob, alice) == queries.Standing(blocked_by=True)
    assert queries.standing(None, bob) == queries.Standing()


def test_report_a_post_a_comment_and_a_person(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=bob, body="buy my pills")
    comment = posts.add_comment(post_id=post.id, author=bob, body="cheap")
    r1, new1 = services.report(reporter=alice, target_type="post", target_id=post.id, reason="spam")
    r2, new2 = services.report(
        reporter=alice, target_type="comment", target_id=str(comment.id), reason="spam", note=" x "
    )
    r3, new3 = services.report(reporter=alice, target_type="user", target_id="BOB", reason="abuse")
    assert new1 and new2 and new3
    assert {r.target_user_id for r in (r1, r2, r3)} == {bob.id}
    assert (r2.target_id, r2.note, r3.target_id) == (comment.id, "x", bob.id)


def test_one_open_report_per_reporter_and_target(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=bob, body="meh")
    first, _ = services.report(reporter=alice, target_type="post", target_id=post.id, reason="spam")
    again, created = services.report(
        reporter=alice, target_type="post", target_id=post.id, reason="abuse"
    )
    assert not created and again.id == first.id and again.reason == "spam"
    other, created = services.report(
        reporter=people["carol"], target_type="post", target_id=post.id, reason="abuse"
    )
    assert created and other.id != first.id
    first.status = "dismissed"
    db.session.commit()
    _, created = services.report(
        reporter=alice, target_type="post", target_id=post.id, reason="spam"
    )
    assert created


@pytest.mark.parametrize(
    ("target_type", "target_id", "reason", "note", "error"),
    [
        ("post", "POST", "spam", "", NotFound),
        ("planet", 1, "spam", "", ValidationError),
        ("post", "POST", "boring", "", ValidationError),
        ("post", "POST", "spam", "x" * 1001, ValidationError),
        ("post", "POST", "spam", "bell\x07", ValidationError),
        ("post", None, "spam", "", ValidationError),
        ("post", 0, "spam", "", NotFound),
        ("post", 2**31, "spam", "", NotFound),
        ("post", "abc", "spam", "", NotFound),
        ("comment", 999, "spam", "", NotFound),
        ("user", "nobody", "spam", "", NotFound),
        ("user", "alice", "spam", "", ValidationError),
        ("post", "OWN", "spam", "", ValidationError),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(
    people, target_type, target_id, reason, note, error
):
    alice = people["alice"]
    own = posts.create_post(author=alice, body="mine")
    if target_id == "OWN":
        target_id = own.id
    elif target_id == "POST":
        target_id = own.id + 1000
    with pytest.raises(error):
        services.report(
            reporter=alice, target_type=target_type, target_id=target_id, reason=reason, note=note
        )
    db.session.rollback()
    assert db.session.query(Report).count() == 0


def test_cannot_report_what_you_cannot_see(people):
    alice, bob = people["alice"], people["bob"]
    post = posts.create_post(author=alice, body="alice only")
    services.block(blocker=alice, username="bob")
    with pytest.raises(NotFound):
        services.report(reporter=bob, target_type="post", target_id=post.id, reason="spam")
    with pytest.raises(NotFound):
        services.report(reporter=bob, target_type="user", target_id="alice", reason="spam")
    # Whoever blocked may still report the person they blocked.
    _, created = services.report(
        reporter=alice, target_type="user", target_id="bob", reason="abuse"
    )
    assert created


def test_a_moderator_the_author_blocked_still_removes_the_post(people, app):
    alice, bob = people["alice"], people["bob"]
    bob.role = "moderator"
    db.session.commit()
    post = posts.create_post(author=alice, body="against the rules")
    services.block(blocker=alice, username="bob")
    posts.delete_post(post_id=post.id, actor=bob)
    assert posts_queries.get_post(post.id) is None
