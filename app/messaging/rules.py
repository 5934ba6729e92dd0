"""Direct message rules, written once for the pages, the API and the payloads."""

from __future__ import annotations

BODY_MAX = 5_000
