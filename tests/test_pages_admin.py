"""The admin pages: who may see them, what they show, and every action through a browser form."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import User
from app.accounts.queries import find_by_username
from app.admin.models import AuditEntry
from app.extensions import db
from app.posts import services as posts
from app.posts.models import Comment, Post
from app.safety import services as safety
from app.safety.models import Report
from tests.conftest import Auth, csrf_token, make_user

HTMX = {"HX-Request": "true"}
SAMPLES = {
    "username": "bob",
    "target_type": "post",
    "target_id": 1,
    "media_id": 1,
    "rest": "anything",
}


@pytest.fixture
def cast(app):
    """Bob and Carol (users), Moe (moderator), Root (admin)."""
    for name, role in (("bob", "user"), ("carol", "user"), ("moe", "moderator"), ("root", "admin")):
        make_user(app, name, role=role)


def signed_in(app, name: str | None):
    client = app.test_client()
    if name:
        Auth(client).login(name)
    return client


def post_as(app, name: str, body: str) -> int:
    with app.test_request_context():
        return posts.create_post(author=find_by_username(name), body=body).id


def report(app, reporter: str, target_type: str, target_id, reason: str = "spam") -> None:
    with app.test_request_context():
        safety.report(
            reporter=find_by_username(reporter),
            target_type=target_type,
            target_id=target_id,
            reason=reason,
        )


def user(app, name: str) -> User:
    with app.app_context():
        found = find_by_username(name)
        db.session.expunge(found)
        return found


def audit(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.actor_username, e.action) for e in db.session.query(AuditEntry)]


def admin_urls(app) -> list[tuple[str, str]]:
    """Return every /admin rule with sample values, with GET and POST and the rule's methods."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.split(".")[0] != "admin":
                continue
            path = rule.build({name: SAMPLES[name] for name in rule.arguments})[1]
            for method in (rule.methods - {"HEAD", "OPTIONS"}) | {"GET", "POST"}:
                found.append((method, path))
    return sorted(set(found))


def test_the_admin_rules_are_all_covered(app):
    paths = {path for _, path in admin_urls(app)}
    assert {"/admin", "/admin/users", "/admin/users/bob", "/admin/reports", "/admin/audit"} <= paths
    assert "/admin/reports/post/1/resolve" in paths and "/admin/users/bob/suspend" in paths


@pytest.mark.parametrize("who", [None, "bob"])
def test_every_admin_route_is_404_for_everyone_but_staff(app, cast, who):
    client = signed_in(app, who)
    token = csrf_token(client, "/")
    for method, path in admin_urls(app):
        for data in (
            {},
            {"csrf_token": token, "reason": "x", "action": "dismiss", "role": "admin"},
        ):
            response = client.open(path, method=method, data=data)
            assert response.status_code == 404, (who, method, path, response.status_code)
        assert client.open(path, method="OPTIONS").status_code == 404, (who, path)
    assert audit(app) == []
    with app.app_context():
        assert not find_by_username("bob").suspended and find_by_username("bob").role == "user"
    nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
    assert 'href="/admin"' not in nav


@pytest.mark.parametrize("who", ["moe", "root"])
def test_staff_see_every_page_and_the_nav_link(app, cast, who):
    client = signed_in(app, who)
    for path in ("/admin", "/admin/users", "/admin/users/bob", "/admin/reports", "/admin/audit"):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/users/nobody").status_code == 404
    assert client.get("/admin/nothing/here").status_code == 404
    assert client.post("/admin", data={"csrf_token": csrf_token(client, "/")}).status_code == 404
    assert 'href="/admin"' in client.get("/").get_data(as_text=True).split("</nav>")[0]


def test_dashboard_totals_charts_and_sockets(app, cast):
    post_as(app, "bob", "one")
    post_as(app, "carol", "two")
    client = signed_in(app, "moe")
    page = client.get("/admin").get_data(as_text=True)
    assert re.search(r'<span class="stat-value">4</span>\s*<a class="stat-label"[^>]*>People', page)
    assert re.search(r'<span class="stat-value">2</span>\s*<span class="stat-label">Posts', page)
    assert "Open sockets (this process)" in page
    assert page.count('<svg class="chart-svg"') == 5
    assert page.count('role="img"') == 5 and page.count("<desc id=") == 5
    # The numbers behind each chart, for screen readers and people who prefer tables.
    assert page.count('<details class="chart-data">') == 5
    assert re.search(r"Last 30 days: 2 in all, most on [^<]+\(2\)\.", page)
    assert page.count('class="chart-bar"') == 150


def test_users_search_filter_and_more(app, cast):
    for i in range(33):
        make_user(app, f"member{i:02d}")
    client = signed_in(app, "moe")
    page = client.get("/admin/users?q=member").get_data(as_text=True)
    assert page.count('<th scope="row">') == 30
    next_url = re.search(r'hx-get="(/admin/users\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "q=member" in next_url
    rest = client.get(next_url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in rest and rest.count('<th scope="row">') == 3
    admins = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "@root" in admins and "@bob" not in admins
    by_mail = client.get("/admin/users?q=carol@ex").get_data(as_text=True)
    assert "@carol" in by_mail and "@bob" not in by_mail


def test_suspend_with_a_reason_from_the_user_page(app, cast):
    bob_client = signed_in(app, "bob")
    client = signed_in(app, "moe")
    response = client.post(
        "/admin/users/bob/suspend",
        data={"csrf_token": csrf_token(client, "/admin/users/bob"), "suspend-reason": "spam"},
    )
    assert response.status_code == 303
    assert "is suspended" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert user(app, "bob").suspended
    # Bob's browser session ended with the suspension.
    assert bob_client.get("/settings").status_code == 302
    assert audit(app) == [("moe", "user.suspend")]
    response = client.post(
        "/admin/users/bob/unsuspend",
        data={"csrf_token": csrf_token(client, "/admin/users/bob"), "suspend-reason": "appeal"},
    )
    assert response.status_code == 303 and not user(app, "bob").suspended


def test_missing_reason_is_a_form_error_and_nothing_changes(app, cast):
    post_as(app, "bob", "keep")
    client = signed_in(app, "moe")
    token = csrf_token(client, "/admin/users/bob")
    for path, field in (
        ("/admin/users/bob/suspend", "suspend-reason"),
        ("/admin/users/bob/remove-content", "content-reason"),
    ):
        response = client.post(path, data={"csrf_token": token, field: "  "})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f'id="{field}-errors"' in page and "Give a reason" in page
        assert 'aria-invalid="true"' in page
    assert not user(app, "bob").suspended
    with app.app_context():
        assert db.session.query(Post).count() == 1
    assert audit(app) == []


def test_admin_actions_need_csrf(app, cast):
    client = signed_in(app, "root")
    post_id = post_as(app, "bob", "x")
    report(app, "carol", "post", post_id)
    for path, data in (
        ("/admin/users/bob/suspend", {"suspend-reason": "x"}),
        ("/admin/users/bob/role", {"role-role": "admin"}),
        ("/admin/users/bob/remove-content", {"content-reason": "x"}),
        (f"/admin/reports/post/{post_id}/resolve", {"action": "remove", "reason": "x"}),
    ):
        assert client.post(path, data=data).status_code == 400, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    bob = user(app, "bob")
    assert not bob.suspended and bob.role == "user"
    with app.app_context():
        assert db.session.query(Post).count() == 1
    assert audit(app) == []


def test_role_changes_are_for_admins_only(app, cast):
    moe = signed_in(app, "moe")
    page = moe.get("/admin/users/bob").get_data(as_text=True)
    assert re.search(r'<fieldset class="plain-fieldset"\s+disabled', page)
    assert "Only admins change roles." in page
    token = csrf_token(moe, "/admin/users/bob")
    assert (
        moe.post(
            "/admin/users/bob/role", data={"csrf_token": token, "role-role": "admin"}
        ).status_code
        == 403
    )
    assert user(app, "bob").role == "user"
    root = signed_in(app, "root")
    page = root.get("/admin/users/bob").get_data(as_text=True)
    assert not re.search(r'<fieldset class="plain-fieldset"\s+disabled', page)
    token = csrf_token(root, "/admin/users/bob")
    response = root.post(
        "/admin/users/bob/role",
        data={"csrf_token": token, "role-role": "moderator", "role-reason": "trusted"},
    )
    assert response.status_code == 303 and user(app, "bob").role == "moderator"
    bad = root.post("/admin/users/bob/role", data={"csrf_token": token, "role-role": "king"})
    assert bad.status_code == 422 and 'id="role-role-errors"' in bad.get_data(as_text=True)
    # An admin cannot demote themselves (the form is disabled, the rule holds anyway).
    assert "You cannot change your own role" in root.get("/admin/users/root").get_data(as_text=True)
    demote = root.post("/admin/users/root/role", data={"csrf_token": token, "role-role": "user"})
    assert demote.status_code == 403 and user(app, "root").role == "admin"
    assert audit(app) == [("root", "user.role")]


def test_remove_all_content_from_the_user_page(app, cast):
    post_id = post_as(app, "bob", "bob's post")
    other = post_as(app, "carol", "carol's post")
    with app.test_request_context():
        posts.add_comment(post_id=other, author=find_by_username("bob"), body="bob comments")
    client = signed_in(app, "moe")
    response = client.post(
        "/admin/users/bob/remove-content",
        data={"csrf_token": csrf_token(client, "/admin/users/bob"), "content-reason": "spam"},
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Post, post_id) is None
        assert db.session.query(Comment).count() == 0
    bob = signed_in(app, "bob")
    page = bob.get("/notifications").get_data(as_text=True)
    assert "The moderators removed your posts and comments." in page and "Reason: spam" in page


def test_moderator_takes_a_reported_post_down_suspends_the_author_and_finds_both_in_the_log(
    app, cast
):
    """The "done when" check for the moderation flow, through the pages only."""
    post_id = post_as(app, "bob", "Buy cheap watches at example dot com")
    post_as(app, "bob", "another post by bob")
    carol = signed_in(app, "carol")
    carol.post(
        "/reports",
        data={
            "csrf_token": csrf_token(carol, "/"),
            "target_type": "post",
            "target_id": str(post_id),
            "reason": "spam",
            "note": "ads again",
        },
    )
    report(app, "root", "post", post_id, reason="off_topic")
    moe = signed_in(app, "moe")
    page = moe.get("/admin/reports").get_data(as_text=True)
    group = f'id="reports-post-{post_id}"'
    assert page.count('class="card report-group"') == 1 and group in page
    assert "2 reports" in page and "Buy cheap watches" in page and "ads again" in page
    token = csrf_token(moe, "/admin/reports")
    resolve = f"/admin/reports/post/{post_id}/resolve"
    # No reason: the form comes back with the message next to the field, nothing changes.
    failed = moe.post(resolve, data={"csrf_token": token, "action": "remove", "reason": ""})
    assert failed.status_code == 422
    assert f'id="reports-post-{post_id}-reason-errors"' in failed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, post_id) is not None
    # Take it down.
    done = moe.post(resolve, data={"csrf_token": token, "action": "remove", "reason": "Ads."})
    assert done.status_code == 303
    assert moe.get(f"/p/{post_id}").status_code == 404
    with app.app_context():
        assert {r.status for r in db.session.query(Report)} == {"removed"}
    # The author hears why.
    notices = signed_in(app, "bob").get("/notifications").get_data(as_text=True)
    assert "The moderators removed your post." in notices and "Reason: Ads." in notices
    # Suspend the author (from their page: the post's reports are closed).
    response = moe.post(
        "/admin/users/bob/suspend",
        data={"csrf_token": csrf_token(moe, "/admin/users/bob"), "suspend-reason": "Spammer."},
    )
    assert response.status_code == 303 and user(app, "bob").suspended

    # Both actions are in the audit log, searchable.
    def rows(query: str = "") -> str:
        page = moe.get("/admin/audit" + query).get_data(as_text=True)
        return page.split('<tbody id="audit-items">')[1]

    log = rows()
    assert "Removed a post" in log and "Suspended a person" in log and "Spammer." in log
    assert rows("?target=bob").count("<tr>") == 2
    only_moe = rows("?actor=moe&action=post.remove")
    assert "Removed a post" in only_moe and "Suspended a person" not in only_moe
    assert "Ads." in rows(f"?target=post:{post_id}") and "Spammer." not in rows(
        f"?target=post:{post_id}"
    )
    assert "Nothing recorded matches." in rows("?actor=carol")
    assert audit(app) == [("moe", "post.remove"), ("moe", "user.suspend")]


def test_suspend_and_dismiss_from_the_reports_page(app, cast):
    post_id = post_as(app, "bob", "rude")
    comment_post = post_as(app, "carol", "question")
    with app.test_request_context():
        comment = posts.add_comment(
            post_id=comment_post, author=find_by_username("bob"), body="rude comment"
        )
        comment_id = comment.id
    report(app, "carol", "comment", comment_id, reason="abuse")
    report(app, "carol", "user", "bob", reason="abuse")
    report(app, "root", "post", post_id, reason="other")
    moe = signed_in(app, "moe")
    page = moe.get("/admin/reports").get_data(as_text=True)
    assert "rude comment" in page and "On a post by @carol" in page and "Account" in page
    token = csrf_token(moe, "/admin/reports")
    dismissed = moe.post(
        f"/admin/reports/post/{post_id}/resolve", data={"csrf_token": token, "action": "dismiss"}
    )
    assert dismissed.status_code == 303
    suspended = moe.post(
        f"/admin/reports/user/{user(app, 'bob').id}/resolve",
        data={"csrf_token": token, "action": "suspend", "reason": "harassment"},
    )
    assert suspended.status_code == 303 and user(app, "bob").suspended
    page = moe.get("/admin/reports").get_data(as_text=True)
    assert page.count('class="card report-group"') == 1
    assert f'id="reports-comment-{comment_id}"' in page and 'value="suspend"' not in page
    assert (
        moe.post(
            "/admin/reports/planet/1/resolve", data={"csrf_token": token, "action": "dismiss"}
        ).status_code
        == 404
    )
    # Ids no database integer can hold find nothing (and never reach PostgreSQL as an error).
    too_big = "/admin/reports/post/99999999999/resolve"
    assert moe.post(too_big, data={"csrf_token": token, "action": "dismiss"}).status_code == 404
    removed = moe.post(too_big, data={"csrf_token": token, "action": "remove", "reason": "x"})
    assert removed.status_code == 404
    unknown = moe.post(
        f"/admin/reports/comment/{comment_id}/resolve",
        data={"csrf_token": token, "action": "explode", "reason": "x"},
    )
    assert unknown.status_code == 422
    assert audit(app) == [("moe", "report.dismiss"), ("moe", "user.suspend")]


def test_staff_removal_from_the_post_page_is_audited(app, cast):
    post_id = post_as(app, "bob", "off topic")
    moe = signed_in(app, "moe")
    page = moe.get(f"/p/{post_id}").get_data(as_text=True)
    assert 'id="remove-post-reason"' in page
    response = moe.post(
        f"/p/{post_id}/delete",
        data={"csrf_token": csrf_token(moe, f"/p/{post_id}"), "reason": "Wrong forum."},
    )
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.query(AuditEntry).one()
        assert (entry.action, entry.reason) == ("post.remove", "Wrong forum.")


def test_every_control_on_the_admin_pages_has_a_label(app, cast):
    post_id = post_as(app, "bob", "x")
    report(app, "carol", "post", post_id)
    report(app, "carol", "user", "bob")
    client = signed_in(app, "root")
    for path in ("/admin", "/admin/users", "/admin/users/bob", "/admin/reports", "/admin/audit"):
        page = client.get(path).get_data(as_text=True)
        ids = re.findall(r'<(?:input(?! type="hidden")|textarea|select)[^>]*\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), (path, "duplicate ids")
        for control_id in ids:
            assert f'for="{control_id}"' in page, (path, control_id)
