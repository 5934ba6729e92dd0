"""API routes for safety: block, mute, report."""

from __future__ import annotations

from app.accounts.payloads import user_summary
from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.payloads import PageQuery, page_of
from app.safety import queries, services
from app.safety.payloads import NewReport, Report, UserSummaryList, report_payload

BLOCK = (
    "Follows between you end. They get 403 when following, messaging or replying to you, and"
    " 404 for your profile and posts; neither sees the other in feeds, search or notifications."
    " Blocking yourself: 422."
)
MUTE = (
    "Their posts leave your feeds; nothing else changes and they are not told."
    " Muting yourself: 422."
)


@bp.put("/users/<username>/block")
@operation(
    "Block someone",
    "Safety",
    {204: ("Blocked (idempotent).", None)},
    errors=(422,),
    auth=True,
    description=BLOCK,
)
def block_user(username: str):
    """Block someone (idempotent)."""
    services.block(blocker=api_user(), username=username)


@bp.delete("/users/<username>/block")
@operation("Unblock someone", "Safety", {204: ("Undone (idempotent).", None)}, auth=True)
def unblock_user(username: str):
    """Unblock someone (idempotent)."""
    services.unblock(blocker=api_user(), username=username)


@bp.put("/users/<username>/mute")
@operation(
    "Mute someone",
    "Safety",
    {204: ("Muted (idempotent).", None)},
    errors=(422,),
    auth=True,
    description=MUTE,
)
def mute_user(username: str):
    """Mute someone (idempotent)."""
    services.mute(muter=api_user(), username=username)


@bp.delete("/users/<username>/mute")
@operation("Unmute someone", "Safety", {204: ("Undone (idempotent).", None)}, auth=True)
def unmute_user(username: str):
    """Unmute someone (idempotent)."""
    services.unmute(muter=api_user(), username=username)


@bp.get("/me/blocks")
@operation(
    "The people you blocked, most recent first",
    "Safety",
    {200: ("A page of people.", UserSummaryList)},
    query=PageQuery,
    auth=True,
)
def list_blocks(query: PageQuery):
    """List the people you blocked, most recent first."""
    page = queries.blocked_users(api_user(), limit=query.limit, cursor=query.cursor)
    return page_of(UserSummaryList, page, user_summary)


@bp.get("/me/mutes")
@operation(
    "The people you muted, most recent first",
    "Safety",
    {200: ("A page of people.", UserSummaryList)},
    query=PageQuery,
    auth=True,
)
def list_mutes(query: PageQuery):
    """List the people you muted, most recent first."""
    page = queries.muted_users(api_user(), limit=query.limit, cursor=query.cursor)
    return page_of(UserSummaryList, page, user_summary)


@bp.post("/reports")
@operation(
    "Report a post, a comment or a person to the moderators",
    "Safety",
    {
        201: ("The new report.", Report),
        200: ("You already have an open report on this target: that one, unchanged.", Report),
    },
    body=NewReport,
    body_description="Unknown target: 404. Reporting yourself or your own post or comment: 422.",
    errors=(404,),
    auth=True,
)
def create_report(body: NewReport):
    """Report a post, a comment or a person: 201 new, 200 your open report on it already."""
    report, created = services.report(
        reporter=api_user(),
        target_type=body.target_type,
        target_id=body.target_id,
        reason=body.reason,
        note=body.note or "",
    )
    return report_payload(report), 201 if created else 200
