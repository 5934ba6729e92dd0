"""A real SMTP server (aiosmtpd) for the shared test app, and the links read from its mails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from app.jobs import drain
from tests.test_mail import Inbox, free_port, parts

PUBLIC_URL = "https://devthread.example/"
LINK = re.compile(r"https://devthread\.example/[^\s<>\"']+")


class Mailbox:
    """What the SMTP server received, once the queued mail jobs have run."""

    def __init__(self, app: Flask, inbox: Inbox) -> None:
        self.app = app
        self.inbox = inbox

    def deliver(self) -> None:
        """Run the queued jobs (the mail among them), as a worker would."""
        for attempt in drain(self.app):
            assert attempt.error is None, attempt.error

    def to(self, address: str) -> list[EmailMessage]:
        """Return the mails sent to ``address`` so far (delivering what is queued first)."""
        self.deliver()
        return [m for rcpt, m in self.inbox.messages if address in rcpt]

    def last(self, address: str) -> EmailMessage:
        """Return the latest mail to ``address``."""
        mails = self.to(address)
        assert mails, f"no mail to {address}"
        return mails[-1]

    def link(self, address: str, path: str) -> str:
        """Return the path of the link to ``path...`` in the latest mail to ``address``."""
        message = self.last(address)
        body = parts(message)
        found = [u for u in LINK.findall(body["text/plain"]) if path in u]
        assert found, f"no {path} link in: {body['text/plain']}"
        # The HTML part carries the same link.
        assert found[0] in body["text/html"].replace("&amp;", "&")
        return found[0][len(PUBLIC_URL) - 1 :]


@pytest.fixture
def mailbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """Send the shared app's mail through a real SMTP server, with links on PUBLIC_URL."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    state = app.extensions["mailman"]
    for name, value in {
        "backend": "smtp",
        "server": "127.0.0.1",
        "port": controller.port,
        "use_tls": False,
        "use_ssl": False,
        "username": None,
        "password": None,
    }.items():
        monkeypatch.setattr(state, name, value)
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC_URL)
    drain(app)  # mail queued by earlier set-up (sign-ups) goes nowhere
    try:
        yield Mailbox(app, inbox)
    finally:
        controller.stop()
