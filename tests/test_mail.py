"""Mail through a real SMTP server (aiosmtpd, started here): rendered and sent by a job."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.jobs import drain, local_backend
from app.mail import send_mail


class Inbox:
    """An aiosmtpd handler that keeps what arrives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def mail_app(other_app, smtp, tmp_path):
    controller, _ = smtp
    return other_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_DEFAULT_SENDER="DevThread <noreply@devthread.example>",
        PUBLIC_URL="https://devthread.example/",
        JOBS_BACKEND="local",
        MAIL_FILE_PATH=str(tmp_path / "mail"),
    )


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.iter_parts()
    }


def test_a_mail_is_sent_by_a_job_after_the_commit_through_smtp(mail_app, smtp):
    _, inbox = smtp
    with mail_app.test_request_context("http://elsewhere.test/"):
        send_mail(
            to="ada@example.com",
            template="test",
            context={"sent_at": "2026-11-30 10:00 UTC", "host": "box"},
            unsubscribe_url="https://devthread.example/unsubscribe/abc",
        )
        db.session.commit()
    assert inbox.messages == []  # queued, not sent inside the request
    assert [run.error for run in drain(mail_app)] == [None]
    [(recipients, message)] = inbox.messages
    assert recipients == ["ada@example.com"]
    assert message["To"] == "ada@example.com"
    assert message["From"] == "DevThread <noreply@devthread.example>"
    assert message["Subject"] == "DevThread test mail"
    assert message["Message-ID"].endswith("@devthread.example>")
    assert message["Date"]
    assert message["List-Unsubscribe"] == "<https://devthread.example/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    # Links on PUBLIC_URL, not on the address of the request that asked for the mail.
    assert "Open DevThread: https://devthread.example/\n" in body["text/plain"]
    assert "Sent at 2026-11-30 10:00 UTC by box." in body["text/plain"]
    assert '<a class="button" href="https://devthread.example/">' in body["text/html"]
    assert '<html lang="en">' in body["text/html"]
    assert "<code>flask send-test-mail</code>" in body["text/html"]
    assert "elsewhere.test" not in message.as_string()


def test_links_use_the_requests_host_without_public_url(other_app, smtp):
    controller, inbox = smtp
    app = other_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, JOBS_BACKEND="local")
    with app.test_request_context("http://devthread.test:8080/settings"):
        send_mail(to="ada@example.com", template="test", context={"sent_at": "t", "host": "h"})
        db.session.commit()
    drain(app)
    [(_, message)] = inbox.messages
    assert "Open DevThread: http://devthread.test:8080/\n" in parts(message)["text/plain"]


def test_a_rolled_back_request_sends_no_mail(mail_app, smtp):
    _, inbox = smtp
    with mail_app.test_request_context():
        send_mail(to="ada@example.com", template="test", context={"sent_at": "t", "host": "h"})
        db.session.rollback()
    assert drain(mail_app) == []
    assert inbox.messages == []


def test_an_smtp_server_that_does_not_answer_is_retried_then_given_up(other_app):
    app = other_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), JOBS_BACKEND="local")
    with app.test_request_context():
        send_mail(to="ada@example.com", template="test", context={"sent_at": "t", "host": "h"})
        db.session.commit()
    runs = drain(app)
    assert len(runs) == 11 and all("ConnectionRefusedError" in run.error for run in runs)
    assert [run.retry_in is not None for run in runs] == [True] * 10 + [False]
    assert [f.name for f in local_backend(app).failed] == ["mail.deliver"]


def test_bad_addresses_are_refused_before_anything_is_queued(mail_app):
    with mail_app.test_request_context():
        for address in ("no-at-sign", "ada@example.com\r\nBcc: eve@example.com"):
            with pytest.raises(ValueError):
                send_mail(to=address, template="test", context={})


def test_the_embedded_default_writes_eml_files_and_logs_the_links(other_app, tmp_path, caplog):
    app = other_app(JOBS_BACKEND="local", MAIL_FILE_PATH=str(tmp_path / "mail"))
    assert app.config["MAIL_BACKEND"] == "app.mail.eml"
    with app.test_request_context("http://127.0.0.1:5000/"):
        send_mail(to="ada@example.com", template="test", context={"sent_at": "t", "host": "h"})
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="app.mail"):
        drain(app)
    [written] = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "DevThread test mail"
    assert set(parts(message)) == {"text/plain", "text/html"}
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.mail"]
    assert "to ada@example.com" in line and str(written) in line
    assert line.endswith("links: http://127.0.0.1:5000/")


def test_send_test_mail_checks_the_smtp_settings(mail_app, smtp):
    _, inbox = smtp
    result = mail_app.test_cli_runner().invoke(args=["send-test-mail", "ops@example.com"])
    assert result.exit_code == 0, result.output
    assert "Sent to ops@example.com through SMTP 127.0.0.1:" in result.output
    [(recipients, message)] = inbox.messages
    assert recipients == ["ops@example.com"] and message["Subject"] == "DevThread test mail"


def test_send_test_mail_says_why_sending_failed(other_app):
    app = other_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), JOBS_BACKEND="local")
    result = app.test_cli_runner().invoke(args=["send-test-mail", "ops@example.com"])
    assert result.exit_code == 1
    assert "Sending through SMTP 127.0.0.1" in result.output
    assert "ConnectionRefusedError" in result.output


def test_mail_and_job_settings_come_from_the_environment_and_are_documented(tmp_path):
    from pathlib import Path

    from app.config import ENV_SETTINGS, ConfigError, finalize, from_environment

    names = [n for n in ENV_SETTINGS if n.startswith(("MAIL_", "JOBS_", "WORKER_", "PUBLIC_"))]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert len(names) == 16 and all(f"`{name}`" in readme for name in names)
    config = from_environment(
        {"MAIL_SERVER": "smtp.example", "MAIL_PORT": "587", "MAIL_USE_TLS": "1",
         "PUBLIC_URL": "https://devthread.example"}
    )  # fmt: skip
    finalize(config, str(tmp_path))
    assert config["MAIL_BACKEND"] == "smtp" and config["MAIL_PORT"] == 587
    assert config["PUBLIC_URL"] == "https://devthread.example/"
    with pytest.raises(ConfigError):
        finalize({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, str(tmp_path))
