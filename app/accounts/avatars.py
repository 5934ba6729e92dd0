"""Uploaded avatars' addresses: the 400 px square is stored, with 96 and 40 px beside it."""

from __future__ import annotations

import re

# What PUT /me/avatar stores in users.avatar_url (app/media names the files).
_UPLOADED_RE = re.compile(r"(/media/[0-9a-f]{64})-400\.(jpg|png)")
SIDES = (40, 96, 400)


def sized_avatar(url: str, size: int) -> str:
    """Return the smallest stored square at least ``size`` px wide (other URLs as they are)."""
    match = _UPLOADED_RE.fullmatch(url)
    if match is None:
        return url
    side = next((s for s in SIDES if s >= size), SIDES[-1])
    return f"{match.group(1)}-{side}.{match.group(2)}"
