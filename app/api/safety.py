"""API routes for safety: block, mute, report."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from app.api import bp
from app.api.common import api_user, auth_required, json_body, page_params
from app.api.serializers import user_summary
from app.errors import ValidationError
from app.safety import queries, services
from app.safety.models import Report
from app.timeutil import isoformat

REPORT_FIELDS = ("target_type", "target_id", "reason", "note")


def report_object(report: Report) -> dict[str, Any]:
    """Return the API's report object (what the reporter may see of it)."""
    return {
        "id": report.id,
        "target_type": report.target_type,
        "target_id": report.target_id,
        "reason": report.reason,
        "note": report.note,
        "status": report.status,
        "created_at": isoformat(report.created_at),
    }


def _report_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Check the report body's shape: known fields, strings, and an id or a username."""
    errors: dict[str, list[str]] = {}
    for name, value in body.items():
        if name not in REPORT_FIELDS:
            errors[name] = [_("Unknown field.")]
        elif name == "target_id":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                errors[name] = [_("Use a post or comment id, or a username.")]
        elif value is not None and not isinstance(value, str):
            errors[name] = [_("Must be a string.")]
    for name in ("target_type", "target_id", "reason"):
        if body.get(name) is None:
            errors.setdefault(name, []).append(_("This field is required."))
    if errors:
        raise ValidationError(_("Some fields need attention."), errors)
    return body


@bp.put("/users/<username>/block")
@auth_required
def block_user(username: str):
    """Block someone (idempotent)."""
    services.block(blocker=api_user(), username=username)
    return "", 204


@bp.delete("/users/<username>/block")
@auth_required
def unblock_user(username: str):
    """Unblock someone (idempotent)."""
    services.unblock(blocker=api_user(), username=username)
    return "", 204


@bp.put("/users/<username>/mute")
@auth_required
def mute_user(username: str):
    """Mute someone (idempotent)."""
    services.mute(muter=api_user(), username=username)
    return "", 204


@bp.delete("/users/<username>/mute")
@auth_required
def unmute_user(username: str):
    """Unmute someone (idempotent)."""
    services.unmute(muter=api_user(), username=username)
    return "", 204


@bp.get("/me/blocks")
@auth_required
def list_blocks():
    """List the people you blocked, most recent first."""
    limit, cursor = page_params()
    page = queries.blocked_users(api_user(), limit=limit, cursor=cursor)
    return jsonify(items=[user_summary(u) for u in page.items], next_cursor=page.next_cursor)


@bp.get("/me/mutes")
@auth_required
def list_mutes():
    """List the people you muted, most recent first."""
    limit, cursor = page_params()
    page = queries.muted_users(api_user(), limit=limit, cursor=cursor)
    return jsonify(items=[user_summary(u) for u in page.items], next_cursor=page.next_cursor)


@bp.post("/reports")
@auth_required
def create_report():
    """Report a post, a comment or a person: 201 new, 200 your open report on it already."""
    data = _report_fields(json_body())
    report, created = services.report(
        reporter=api_user(),
        target_type=data["target_type"],
        target_id=data["target_id"],
        reason=data["reason"],
        note=data.get("note") or "",
    )
    return jsonify(report_object(report)), 201 if created else 200
