"""Mail: rendered from templates and sent by a job after the commit, never inside a request.

``send_mail`` is the one entry point. The job renders ``templates/mail/<name>.txt`` (its
``subject`` block is the subject) and ``templates/mail/<name>.html``, both extending the mail
layouts, in the recipient's language, with links built from ``PUBLIC_URL`` (default: the address
of the request that asked for the mail), then hands the message to Flask-Mailman's backend:
SMTP in production, ``.eml`` files in ``instance/mail/`` in the embedded default.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale, get_locale, get_timezone
from flask_mailman import EmailMultiAlternatives
from flask_mailman.message import make_msgid
from jinja2_fragments.flask import render_block

from app.i18n import force_timezone
from app.jobs import enqueue, job


def send_mail(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str | None = None,
    time_zone: str | None = None,
    unsubscribe_url: str | None = None,
    base_url: str | None = None,
) -> None:
    """Queue a mail from ``templates/mail/<template>.{txt,html}``, sent once the commit is done.

    ``context`` must be JSON (ids, strings, numbers): the mail is rendered by a job. ``locale``
    and ``time_zone`` are the recipient's (their account's choices); each defaults to the
    current request's. ``unsubscribe_url`` adds the ``List-Unsubscribe`` headers
    (RFC 8058 one-click): every optional mail (a notification's, the digest) passes one
    (app/notifications/unsubscribe.py). Security mails (password reset, address verification
    and change, account deletion, a data export) pass none on purpose: nobody may turn them
    off, and a link that stopped them would let anyone who sees it do so. ``base_url``: the site's
    address for links, for a job to pass on what ``public_url()`` said in its request.
    """
    if "\r" in to or "\n" in to or "@" not in to:
        raise ValueError(f"not one mail address: {to!r}")
    enqueue(
        deliver,
        to=to,
        template=template,
        context=context,
        locale=locale or _current_locale(),
        time_zone=time_zone or _current_time_zone(),
        base_url=base_url or public_url(),
        unsubscribe_url=unsubscribe_url,
    )


def public_url() -> str:
    """Return the site's address for links in mail: PUBLIC_URL, else this request's."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured
    if has_request_context():
        return request.url_root
    return f"http://localhost:{current_app.config.get('PORT', 5000)}/"


def _current_locale() -> str:
    if has_request_context():
        return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _current_time_zone() -> str | None:
    if has_request_context():
        zone = get_timezone()
        return str(zone) if zone is not None else None
    return None


def build_message(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    base_url: str,
    unsubscribe_url: str | None = None,
    time_zone: str | None = None,
) -> EmailMultiAlternatives:
    """Render a mail in ``locale`` and ``time_zone`` (default UTC), its links on ``base_url``."""
    # A request context on the public address: url_for(..., _external=True) in the templates
    # builds links to the site, as the person who asked for the mail saw it.
    with (
        current_app.test_request_context(base_url=base_url),
        force_locale(locale),
        force_timezone(time_zone),
    ):
        values = {**context, "mail_locale": locale}
        subject = render_block(f"mail/{template}.txt", "subject", **values)
        text = render_template(f"mail/{template}.txt", **values)
        html = render_template(f"mail/{template}.html", **values)
    headers = {"Message-ID": make_msgid(domain=urlsplit(base_url).hostname or "localhost")}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text.strip() + "\n",
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


# SMTP servers refuse for a while (greylisting, rate limits): retries span about a day.
@job(
    "mail.deliver",
    queue="mail",
    max_retries=10,
    min_backoff=30,
    max_backoff=4 * 3600,
    time_limit=120,
)
def deliver(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    base_url: str,
    unsubscribe_url: str | None = None,
    time_zone: str | None = None,
) -> None:
    """Render one mail and hand it to the configured backend (SMTP, or a file)."""
    build_message(
        to=to,
        template=template,
        context=context,
        locale=locale,
        base_url=base_url,
        unsubscribe_url=unsubscribe_url,
        time_zone=time_zone,
    ).send()
