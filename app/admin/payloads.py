"""What moderation takes from the API."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.accounts.payloads import PROFILE_HINT, ProfileText
from app.admin.services import REASON_MAX
from app.payloads import Query, text


class RemovalQuery(Query):
    """Why staff removed someone else's post or comment (told to its author, audited)."""

    reason: Annotated[
        text(REASON_MAX, pattern=ProfileText, hint=PROFILE_HINT) | None,  # type: ignore[valid-type]
        Field(description="Staff only, on someone else's writing; ignored on your own."),
    ] = None
