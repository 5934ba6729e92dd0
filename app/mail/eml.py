"""The embedded default's mail backend: each mail written to ``instance/mail/`` as a ``.eml``.

Opened by any mail program; its links are also logged on one line, so that the person running
``make run`` can follow a verification or reset link from the terminal.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("app.mail")

LINK = re.compile(r"https?://[^\s<>\"')]+")


class EmailBackend(BaseEmailBackend):
    """Write each message to ``MAIL_FILE_PATH`` (default ``instance/mail/``) as ``.eml``."""

    def send_messages(self, email_messages) -> int:
        """Write the messages; return how many were written."""
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        written = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
            path.write_bytes(message.message().as_bytes())
            links = " ".join(dict.fromkeys(LINK.findall(message.body)))
            log.info(
                "mail: %r to %s written to %s; links: %s",
                message.subject,
                ", ".join(message.to),
                path,
                links or "none",
            )
            written += 1
        return written
