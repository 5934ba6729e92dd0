"""Picture jobs: delete files after the commit that forgot them, and clean up unused uploads."""

from __future__ import annotations

import logging

from app.jobs import every, job
from app.media import services

log = logging.getLogger(__name__)


@job("media.delete_files", max_retries=8, min_backoff=30, max_backoff=3600)
def delete_files(names: list[str]) -> None:
    """Delete stored files that no live upload needs any more (running twice is harmless)."""
    services.delete_unused_files(names)


@job("media.cleanup", schedule=every(hours=1), max_retries=0)
def cleanup() -> None:
    """Remove pictures no post shows and avatars nobody wears, a day after their upload."""
    removed = services.cleanup_unused()
    if removed:
        log.info("media cleanup removed %d unused uploads", removed)
