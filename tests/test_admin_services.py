"""Moderation through the services: roles, reasons, the audit log, reports, notices."""

from __future__ import annotations

import pytest

from app.accounts.models import RefreshToken, User, UserSession
from app.accounts.tokens import sign_in
from app.admin import charts, queries, services
from app.admin.models import AuditEntry
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.notifications import queries as notes
from app.posts import services as posts
from app.posts.models import Comment, Post, Tag
from app.safety import services as safety
from app.safety.models import Report
from tests.conftest import make_user


@pytest.fixture
def people(app, ctx):
    """Bob and Carol (users), Moe (moderator), Root and Ada (admins)."""
    roles = {"bob": "user", "carol": "user", "moe": "moderator", "root": "admin", "ada": "admin"}
    ids = {name: make_user(app, name, role=role) for name, role in roles.items()}
    return {name: db.session.get(User, uid) for name, uid in ids.items()}


def entries() -> list[tuple[str, str, int]]:
    rows = db.session.query(AuditEntry).order_by(AuditEntry.id)
    return [(e.actor_username, e.action, e.target_id) for e in rows]


@pytest.fixture
def published(monkeypatch):
    """Collect what the services publish on the event bus."""
    sent: list[dict] = []

    class FakeBus:
        def publish(self, message):
            sent.append(message)

    monkeypatch.setattr("app.realtime.bus.get_bus", lambda: FakeBus())
    return sent


def test_suspension_signs_out_everywhere_and_is_audited(people, published):
    bob, moe = people["bob"], people["moe"]
    sign_in(bob)
    assert db.session.query(UserSession).filter_by(user_id=bob.id).count() == 1
    services.suspend_user(actor=moe, username="bob", reason="spam wave")
    bob = db.session.get(User, bob.id)
    assert bob.suspended
    # The sign-in ended, and its refresh tokens with it.
    assert db.session.query(UserSession).filter_by(user_id=bob.id).count() == 0
    assert db.session.query(RefreshToken).filter_by(user_id=bob.id).count() == 0
    # The sockets close: "session.revoked" goes to bob once the suspension is stored.
    assert any(
        m["event"]["type"] == "session.revoked" and m["users"] == [bob.id] for m in published
    )
    entry = db.session.query(AuditEntry).one()
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        moe.id,
        "user.suspend",
        "user",
        bob.id,
    )
    assert entry.reason == "spam wave" and entry.details["username"] == "bob"
    services.unsuspend_user(actor=moe, username="bob", reason="appeal accepted")
    assert not db.session.get(User, bob.id).suspended
    assert [e[1] for e in entries()] == ["user.suspend", "user.unsuspend"]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_actions_need_a_reason_and_change_nothing_without_one(people, reason):
    post = posts.create_post(author=people["bob"], body="keep me")
    for action in (
        lambda: services.suspend_user(actor=people["moe"], username="bob", reason=reason),
        lambda: services.remove_post(actor=people["moe"], post_id=post.id, reason=reason),
        lambda: services.remove_user_content(actor=people["moe"], username="bob", reason=reason),
    ):
        with pytest.raises(ValidationError) as caught:
            action()
        assert "reason" in caught.value.fields
    db.session.rollback()
    assert not db.session.get(User, people["bob"].id).suspended
    assert db.session.get(Post, post.id) is not None
    assert entries() == []


def test_moderators_cannot_act_on_staff_or_themselves(people):
    moe = people["moe"]
    for target in ("root", "moe"):
        with pytest.raises(Forbidden):
            services.suspend_user(actor=moe, username=target, reason="x")
        with pytest.raises(Forbidden):
            services.remove_user_content(actor=moe, username=target, reason="x")
    services.suspend_user(actor=people["root"], username="moe", reason="an admin may")
    assert db.session.get(User, moe.id).suspended


def test_only_staff_moderate(people):
    post = posts.create_post(author=people["carol"], body="x")
    with pytest.raises(NotFound):
        services.suspend_user(actor=people["bob"], username="carol", reason="x")
    with pytest.raises(NotFound):
        services.remove_post(actor=people["bob"], post_id=post.id, reason="x")
    with pytest.raises(NotFound):
        services.change_role(actor=people["bob"], username="carol", role="admin")


def test_roles_are_changed_by_admins_only_and_never_on_themselves(people):
    with pytest.raises(Forbidden):
        services.change_role(actor=people["moe"], username="bob", role="moderator")
    assert db.session.get(User, people["bob"].id).role == "user"
    with pytest.raises(Forbidden):
        services.change_role(actor=people["root"], username="root", role="user")
    with pytest.raises(ValidationError):
        services.change_role(actor=people["root"], username="bob", role="king")
    services.change_role(actor=people["root"], username="bob", role="moderator", reason="helps")
    services.change_role(actor=people["root"], username="bob", role="moderator")  # no change
    services.change_role(actor=people["root"], username="ada", role="user")  # another admin: fine
    assert db.session.get(User, people["bob"].id).role == "moderator"
    entry = db.session.query(AuditEntry).filter_by(target_id=people["bob"].id).one()
    assert entry.details == {"username": "bob", "from": "user", "to": "moderator"}
    assert len(entries()) == 2


def test_removing_a_post_tells_the_author_why_and_closes_its_reports(people):
    bob, carol, moe = people["bob"], people["carol"], people["moe"]
    post = posts.create_post(author=bob, body="cheap pills #ads")
    safety.report(reporter=carol, target_type="post", target_id=post.id, reason="spam")
    other = posts.create_post(author=bob, body="fine")
    safety.report(reporter=carol, target_type="post", target_id=other.id, reason="spam")
    services.remove_post(actor=moe, post_id=post.id, reason="Advertising is not allowed.")
    assert db.session.get(Post, post.id) is None
    assert db.session.get(User, bob.id).posts_count == 1
    assert db.session.query(Tag).filter_by(name="ads").one().posts_count == 0
    statuses = {r.target_id: r.status for r in db.session.query(Report)}
    assert statuses == {post.id: "removed", other.id: "open"}
    notice = notes.notifications_page(bob, limit=5).items[0]
    assert (notice.type, notice.target_type, notice.reason) == (
        "removed",
        "post",
        "Advertising is not allowed.",
    )
    entry = db.session.query(AuditEntry).one()
    assert entry.action == "post.remove" and entry.target_user_id == bob.id
    assert entry.details["excerpt"] == "cheap pills #ads" and len(entry.details["reports"]) == 1


def test_removing_a_comment_keeps_the_thread(people):
    bob, carol, moe = people["bob"], people["carol"], people["moe"]
    post = posts.create_post(author=carol, body="question")
    rude = posts.add_comment(post_id=post.id, author=bob, body="rude")
    posts.add_comment(post_id=post.id, author=carol, body="reply", parent_id=rude.id)
    services.remove_comment(actor=moe, comment_id=rude.id, reason="Be kind.")
    kept = db.session.get(Comment, rude.id)
    assert kept.deleted_at is not None and kept.body == ""
    assert db.session.get(Post, post.id).comments_count == 1
    assert notes.notifications_page(bob, limit=5).items[0].reason == "Be kind."


def test_remove_everything_someone_wrote(people):
    bob, carol, moe = people["bob"], people["carol"], people["moe"]
    own = posts.create_post(author=bob, body="bob's post")
    posts.add_comment(post_id=own.id, author=bob, body="on my own post")
    posts.add_comment(post_id=own.id, author=carol, body="carol on bob's post")
    theirs = posts.create_post(author=carol, body="carol's post")
    first = posts.add_comment(post_id=theirs.id, author=bob, body="bob on carol's")
    posts.add_comment(post_id=theirs.id, author=bob, body="bob again", parent_id=first.id)
    posts.add_comment(post_id=theirs.id, author=carol, body="carol answers", parent_id=first.id)
    safety.report(reporter=carol, target_type="comment", target_id=first.id, reason="abuse")
    safety.report(reporter=carol, target_type="user", target_id="bob", reason="abuse")
    counts = services.remove_user_content(actor=moe, username="bob", reason="Spam account.")
    assert counts == {"posts": 1, "comments": 2}
    assert db.session.query(Post).filter_by(author_id=bob.id).count() == 0
    live = db.session.query(Comment).filter_by(author_id=bob.id, deleted_at=None).count()
    assert live == 0
    assert db.session.get(User, bob.id).posts_count == 0
    # carol's answer keeps its place under the emptied comment.
    assert db.session.get(Post, theirs.id).comments_count == 1
    assert {r.target_type: r.status for r in db.session.query(Report)} == {
        "comment": "removed",
        "user": "open",
    }
    notices = notes.notifications_page(bob, limit=5).items
    assert [n.target_type for n in notices if n.type == "removed"] == ["content"]


def test_resolving_reports(people):
    bob, carol, moe = people["bob"], people["carol"], people["moe"]
    post = posts.create_post(author=bob, body="meh")
    safety.report(reporter=carol, target_type="post", target_id=post.id, reason="off_topic")
    with pytest.raises(ValidationError):
        services.resolve_reports(
            actor=moe, target_type="post", target_id=post.id, action="burn", reason="x"
        )
    services.resolve_reports(
        actor=moe, target_type="post", target_id=post.id, action="dismiss", reason=""
    )
    assert db.session.query(Report).one().status == "dismissed"
    assert db.session.get(Post, post.id) is not None
    safety.report(reporter=carol, target_type="user", target_id="bob", reason="abuse")
    with pytest.raises(ValidationError):
        services.resolve_reports(
            actor=moe, target_type="user", target_id=bob.id, action="remove", reason="x"
        )
    services.resolve_reports(
        actor=moe, target_type="user", target_id=bob.id, action="suspend", reason="abuse"
    )
    assert db.session.get(User, bob.id).suspended
    assert {r.status for r in db.session.query(Report)} == {"dismissed", "suspended"}
    assert [e[1] for e in entries()] == ["report.dismiss", "user.suspend"]
    with pytest.raises(NotFound):
        services.resolve_reports(
            actor=moe, target_type="post", target_id=9999, action="remove", reason="x"
        )


def test_report_groups_load_in_a_fixed_number_of_queries(people, app):
    from sqlalchemy import event

    bob, carol = people["bob"], people["carol"]
    post = posts.create_post(author=bob, body="p")
    comment = posts.add_comment(post_id=post.id, author=bob, body="c")
    for reporter in ("carol", "moe", "root"):
        who = db.session.scalar(db.select(User).filter_by(username=reporter))
        safety.report(reporter=who, target_type="post", target_id=post.id, reason="spam")
    safety.report(reporter=carol, target_type="comment", target_id=comment.id, reason="abuse")
    safety.report(reporter=carol, target_type="user", target_id="bob", reason="other")
    statements: list[str] = []

    def listen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        db.session.expire_all()
        page = queries.report_groups(limit=10, cursor=None)
        [(g.post, g.comment, g.person, [r.reporter for r in g.reports]) for g in page.items]
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    groups = {(g.target_type, g.target_id): g for g in page.items}
    assert len(groups[("post", post.id)].reports) == 3
    assert groups[("comment", comment.id)].post.id == post.id
    assert groups[("user", bob.id)].person.username == "bob"
    assert len(statements) <= 7


def test_report_groups_and_audit_pages_walk_every_item_once(people):
    carol = people["carol"]
    ids = []
    for i in range(5):
        post = posts.create_post(author=people["bob"], body=f"p{i}")
        safety.report(reporter=carol, target_type="post", target_id=post.id, reason="spam")
        ids.append(post.id)
    seen, cursor = [], None
    while True:
        page = queries.report_groups(limit=2, cursor=cursor)
        seen += [g.target_id for g in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == ids
    for post_id in ids:
        services.dismiss_reports(actor=people["moe"], target_type="post", target_id=post_id)
    seen, cursor = [], None
    while True:
        page = queries.audit_page(limit=2, cursor=cursor, action="report.dismiss")
        seen += [e.target_id for e in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == list(reversed(ids))


def test_audit_search(people):
    post = posts.create_post(author=people["bob"], body="x")
    services.remove_post(actor=people["moe"], post_id=post.id, reason="r1")
    services.suspend_user(actor=people["root"], username="carol", reason="r2")

    def found(**filters) -> list[str]:
        return [e.action for e in queries.audit_page(limit=10, cursor=None, **filters).items]

    assert found(actor="MOE") == ["post.remove"]
    assert found(action="user.suspend") == ["user.suspend"]
    assert found(target=f"post:{post.id}") == ["post.remove"]
    assert found(target="@bob") == ["post.remove"]
    assert found(target="carol") == ["user.suspend"]
    assert found(target="post:99999999999") == []
    assert found(actor="nobody") == []


def test_users_filter_and_page(people):
    def names(**filters) -> list[str]:
        return [u.username for u in queries.users_page(limit=10, cursor=None, **filters).items]

    services.suspend_user(actor=people["root"], username="carol", reason="x")
    assert names(q="c") == ["carol"]
    assert names(q="BOB@EXAMPLE") == ["bob"]
    assert names(role="admin") == ["ada", "root"]
    assert names(suspended="yes") == ["carol"]
    assert "carol" not in names(suspended="no")
    assert names(q="%") == [] and names(q="_") == []
    page = queries.users_page(limit=2, cursor=None)
    rest = queries.users_page(limit=10, cursor=page.next_cursor)
    assert len(page.items) + len(rest.items) == 5 and rest.next_cursor is None


def test_dashboard_numbers(people):
    posts.create_post(author=people["bob"], body="today")
    post = posts.create_post(author=people["carol"], body="today too")
    posts.react(post_id=post.id, user=people["moe"], kind="like")
    safety.report(reporter=people["bob"], target_type="post", target_id=post.id, reason="spam")
    totals = queries.totals()
    assert (totals.users, totals.posts, totals.comments, totals.open_reports) == (5, 2, 0, 1)
    series = {s.key: s for s in queries.daily()}
    assert all(len(s.values) == 30 for s in series.values())
    assert series["signups"].values[-1] == 5 and series["posts"].values[-1] == 2
    assert series["active"].values[-1] == 3  # bob and carol posted, moe reacted
    assert series["open_reports"].values[-1] == 1 and sum(series["comments"].values) == 0


def test_bar_chart_geometry():
    from datetime import date, timedelta

    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(30)]
    chart = charts.bar_chart("x", "X", days, [0] * 29 + [13])
    assert [t.label for t in chart.ticks] == ["0", "5", "10", "15", "20"]
    assert chart.bars[-1].height > 0 and chart.bars[0].height == 0
    assert chart.peak == 13 and chart.peak_day == days[-1] and chart.total == 13
    assert charts.nice_max(0) == 4 and charts.nice_max(7) == 8 and charts.nice_max(30) == 32
