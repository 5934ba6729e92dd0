"""The blocking rule, written once for follows, messages and comments."""

from __future__ import annotations

from app.errors import Forbidden
from app.safety import queries


def refuse_if_blocked(actor_id: int, other_ids: list[int] | int, message: str) -> None:
    """Raise Forbidden when a block stands between the actor and any of the others."""
    if queries.blocked_between(actor_id, other_ids):
        raise Forbidden(message)
