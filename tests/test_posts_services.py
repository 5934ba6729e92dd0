"""Post, comment, reaction, bookmark and follow rules, through the services."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.notifications import queries as notes
from app.notifications.models import Notification
from app.posts import queries, services
from app.posts.models import Post, Tag
from app.social import services as social
from tests.conftest import make_user


@pytest.fixture
def people(app, ctx):
    """Alice (author), Bob (reader), Mo (moderator), Root (admin)."""
    ids = {
        "alice": make_user(app, "alice"),
        "bob": make_user(app, "bob"),
        "moe": make_user(app, "moe", role="moderator"),
        "root": make_user(app, "root", role="admin"),
    }
    return {name: db.session.get(User, uid) for name, uid in ids.items()}


def kinds_of(user: User) -> list[str]:
    page = notes.notifications_page(user, limit=100)
    return [n.type for n in page.items]


def test_create_post_renders_tags_and_counts(people):
    alice = people["alice"]
    post = services.create_post(author=alice, body="Hello #Python and #rust", tags=["web"])
    assert post.tag_names == ["python", "rust", "web"]
    assert post.body_html
    assert db.session.get(User, alice.id).posts_count == 1
    assert db.session.query(Tag).filter_by(name="python").one().posts_count == 1


@pytest.mark.parametrize(
    ("body", "tags"),
    [
        ("", None),
        ("   \n ", None),
        ("x" * 10_001, None),
        ("ok", ["bad tag"]),
        ("ok", ["a" * 31]),
        ("ok", ["one", "two", "three", "four", "five", "six"]),
        ("#a1 #b1 #c1 #d1 #e1 #f1", None),
    ],
)
def test_bad_posts_are_refused_and_nothing_is_written(people, body, tags):
    with pytest.raises(ValidationError):
        services.create_post(author=people["alice"], body=body, tags=tags)
    db.session.rollback()
    assert db.session.query(Post).count() == 0
    assert db.session.get(User, people["alice"].id).posts_count == 0


def test_only_the_author_edits(people):
    post = services.create_post(author=people["alice"], body="first")
    for other in ("bob", "moe", "root"):
        with pytest.raises(Forbidden):
            services.edit_post(post_id=post.id, editor=people[other], body="hacked")
    edited = services.edit_post(post_id=post.id, editor=people["alice"], body="second #go")
    assert edited.edited_at is not None and edited.tag_names == ["go"]


def test_author_moderator_and_admin_delete_others_do_not(people):
    posts = [services.create_post(author=people["alice"], body=f"p{i}") for i in range(3)]
    with pytest.raises(Forbidden):
        services.delete_post(post_id=posts[0].id, actor=people["bob"])
    for post, actor in zip(posts, ("alice", "moe", "root"), strict=True):
        services.delete_post(post_id=post.id, actor=people[actor])
    assert db.session.query(Post).count() == 0
    assert db.session.get(User, people["alice"].id).posts_count == 0


def test_suspended_user_cannot_post_comment_or_react(people):
    post = services.create_post(author=people["alice"], body="hi")
    bob = people["bob"]
    bob.suspended = True
    db.session.commit()
    with pytest.raises(Forbidden):
        services.create_post(author=bob, body="x")
    with pytest.raises(Forbidden):
        services.add_comment(post_id=post.id, author=bob, body="x")
    with pytest.raises(Forbidden):
        services.react(post_id=post.id, user=bob, kind="like")


def test_reactions_are_idempotent_and_notify_once(people):
    post = services.create_post(author=people["alice"], body="hi")
    bob = people["bob"]
    for _ in range(3):
        services.react(post_id=post.id, user=bob, kind="like")
        services.unreact(post_id=post.id, user=bob, kind="like")
        services.react(post_id=post.id, user=bob, kind="like")
    services.react(post_id=post.id, user=bob, kind="love")
    post = db.session.get(Post, post.id)
    assert post.reactions == {"like": 1, "love": 1, "laugh": 0, "insightful": 0, "celebrate": 0}
    assert post.reactions_count == 2
    assert kinds_of(people["alice"]) == ["reaction"]
    view = queries.post_view(post.id, bob)
    assert view.my_reactions == ["like", "love"]


def test_unknown_reaction_kind_is_404(people):
    post = services.create_post(author=people["alice"], body="hi")
    with pytest.raises(NotFound):
        services.react(post_id=post.id, user=people["bob"], kind="angry")


def test_own_actions_never_notify(people):
    alice = people["alice"]
    post = services.create_post(author=alice, body="me @alice")
    services.react(post_id=post.id, user=alice, kind="like")
    comment = services.add_comment(post_id=post.id, author=alice, body="self")
    services.add_comment(post_id=post.id, author=alice, body="reply", parent_id=comment.id)
    assert kinds_of(alice) == []


def test_comment_reply_and_mention_notifications(people):
    alice, bob, mo = people["alice"], people["bob"], people["moe"]
    post = services.create_post(author=alice, body="post")
    first = services.add_comment(post_id=post.id, author=bob, body="nice")
    assert kinds_of(alice) == ["comment"]
    services.add_comment(post_id=post.id, author=mo, body="agree @bob", parent_id=first.id)
    # Bob hears once (a reply also naming him), Alice hears of the new comment.
    assert kinds_of(bob) == ["reply"]
    assert kinds_of(alice) == ["comment", "comment"]
    assert db.session.get(Post, post.id).comments_count == 2


def test_mentions_notify_only_new_names_on_edit(people):
    alice = people["alice"]
    post = services.create_post(author=alice, body="hey @bob")
    services.edit_post(post_id=post.id, editor=alice, body="hey @bob and @moe")
    assert kinds_of(people["bob"]) == ["mention"]
    assert kinds_of(people["moe"]) == ["mention"]


def test_reply_must_belong_to_the_same_post(people):
    one = services.create_post(author=people["alice"], body="one")
    two = services.create_post(author=people["alice"], body="two")
    comment = services.add_comment(post_id=one.id, author=people["bob"], body="c")
    with pytest.raises(ValidationError):
        services.add_comment(post_id=two.id, author=people["bob"], body="r", parent_id=comment.id)
    with pytest.raises(ValidationError):
        services.add_comment(post_id=two.id, author=people["bob"], body="r", parent_id=999_999)


def test_comment_edit_and_delete_rules(people):
    post = services.create_post(author=people["alice"], body="p")
    comment = services.add_comment(post_id=post.id, author=people["bob"], body="c")
    with pytest.raises(Forbidden):
        services.edit_comment(comment_id=comment.id, editor=people["alice"], body="x")
    with pytest.raises(Forbidden):
        services.delete_comment(comment_id=comment.id, actor=people["alice"])
    services.edit_comment(comment_id=comment.id, editor=people["bob"], body="c2")
    reply = services.add_comment(
        post_id=post.id, author=people["alice"], body="r", parent_id=comment.id
    )
    services.delete_comment(comment_id=comment.id, actor=people["moe"])
    threads = queries.comment_threads(post.id)
    assert threads[0].comment.deleted_at is not None and threads[0].comment.body == ""
    assert threads[0].replies[0].comment.id == reply.id
    services.delete_comment(comment_id=reply.id, actor=people["alice"])
    assert db.session.get(Post, post.id).comments_count == 0


def test_follow_is_idempotent_counts_and_notifies(people):
    alice, bob = people["alice"], people["bob"]
    social.follow(follower=bob, username="ALICE")
    social.follow(follower=bob, username="alice")
    assert db.session.get(User, alice.id).followers_count == 1
    assert db.session.get(User, bob.id).following_count == 1
    assert kinds_of(alice) == ["follow"]
    social.unfollow(follower=bob, username="alice")
    social.unfollow(follower=bob, username="alice")
    assert db.session.get(User, alice.id).followers_count == 0


def test_cannot_follow_yourself_or_nobody(people):
    with pytest.raises(ValidationError):
        social.follow(follower=people["bob"], username="bob")
    with pytest.raises(NotFound):
        social.follow(follower=people["bob"], username="ghost")


def test_bookmarks_are_idempotent(people):
    post = services.create_post(author=people["alice"], body="keep")
    services.bookmark(post_id=post.id, user=people["bob"])
    services.bookmark(post_id=post.id, user=people["bob"])
    page = queries.bookmarks_page(people["bob"], limit=10, cursor=None)
    assert [v.post.id for v in page.items] == [post.id] and page.items[0].bookmarked
    services.unbookmark(post_id=post.id, user=people["bob"])
    assert queries.bookmarks_page(people["bob"], limit=10, cursor=None).items == []


def test_mark_read(people):
    from app.notifications.services import mark_read

    alice = people["alice"]
    social.follow(follower=people["bob"], username="alice")
    social.follow(follower=people["moe"], username="alice")
    assert notes.unread_count(alice) == 2
    first = db.session.query(Notification).order_by(Notification.id).first()
    mark_read(user=alice, ids=[first.id])
    assert notes.unread_count(alice) == 1
    mark_read(user=alice)
    assert notes.unread_count(alice) == 0


def test_a_reaction_notified_meanwhile_by_another_request_is_not_an_error(people, monkeypatch):
    from app.notifications import services as notifications

    post = services.create_post(author=people["alice"], body="hi")
    services.react(post_id=post.id, user=people["bob"], kind="like")
    # As if a concurrent request stored its notification after this one looked.
    monkeypatch.setattr(notifications, "_reaction_notified", lambda **_: False)
    services.react(post_id=post.id, user=people["bob"], kind="love")
    assert kinds_of(people["alice"]) == ["reaction"]
    assert db.session.get(Post, post.id).reactions_count == 2
