"""Operations routes: liveness and readiness, and (only when configured) benchmark references."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from sqlalchemy import text

from app.accounts.queries import get_user
from app.extensions import db

bp = Blueprint("ops", __name__)
# Registered only when BENCH_ROUTES is set: reference points for bench/feeds.py.
bench_bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.get("/healthz")
def healthz():
    """Answer that the process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Check the database and, when configured, Redis; 503 when one is down."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from app.redisconn import get_redis

        try:
            get_redis().ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


@bench_bp.get("/user/<id:user_id>")
def bench_user(user_id: int):
    """Return one user's username, read by primary key: the benchmark's database reference."""
    user = get_user(user_id)
    if user is None:
        abort(404)
    return jsonify(username=user.username)
