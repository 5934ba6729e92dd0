"""Message pages: the conversation list and a live conversation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from app.accounts.forms import apply_errors
from app.errors import DomainError
from app.messaging import queries, services
from app.messaging.forms import MessageForm, StartForm
from app.messaging.models import Message
from app.messaging.payloads import message_payload
from app.pagination import next_page_url, page_params
from app.safety.visibility import online_for
from app.web import is_htmx, render_page

bp = Blueprint("messaging", __name__)


def _message_json(message: Message) -> dict[str, Any]:
    """Return a message as the socket sends it, for the page's script to read alike."""
    return message_payload(message).json_dict()


@bp.get("/messages")
@login_required
def inbox():
    """Show your conversations, most recent first."""
    return render_inbox()


def render_inbox(start_form: StartForm | None = None, status: int = 200):
    """Render the conversation list (with the form to start one)."""
    limit, cursor = page_params(30)
    page = queries.conversations_page(current_user, limit=limit, cursor=cursor)
    people = [p.id for item in page.items for p in item.participants]
    next_url = next_page_url("messaging.inbox", page)
    return render_page(
        "messaging/inbox.html",
        block="items" if cursor else None,
        page=page,
        online=online_for(current_user, people),
        next_url=next_url,
        start_form=start_form or StartForm(formdata=None),
    ), status


@bp.post("/messages")
@login_required
def start():
    """Open (or find) the conversation with someone."""
    form = StartForm()
    if form.validate_on_submit():
        try:
            conversation, _ = services.start_conversation(
                user=current_user, username=(form.username.data or "").strip().lstrip("@")
            )
        except DomainError as error:
            # Every refusal here (no such person, blocked, not accepting) is about the name
            # typed: tie it to that field, so it is marked invalid and gets the focus.
            form.username.errors = list(error.fields.get("username") or [error.message])
        else:
            return redirect(url_for("messaging.conversation", conversation_id=conversation.id), 303)
    return render_inbox(start_form=form, status=422)


@bp.get("/messages/<id:conversation_id>")
@login_required
def conversation(conversation_id: int):
    """Show a conversation, newest messages at the bottom, and mark it read."""
    return render_conversation(conversation_id)


def render_conversation(conversation_id: int, form: MessageForm | None = None, status: int = 200):
    """Render a conversation page (or just its older messages for htmx)."""
    services.conversation_for(conversation_id, current_user)
    limit, cursor = page_params(50)
    page = queries.messages_page(conversation_id, limit=limit, cursor=cursor)
    if not cursor:
        services.mark_read(conversation_id=conversation_id, user=current_user)
    item = queries.inbox_item(conversation_id, current_user)
    older = next_page_url("messaging.conversation", page, conversation_id=conversation_id)
    marks = queries.read_marks(conversation_id, current_user)
    partner_read = max((v for k, v in marks.items() if k != current_user.id), default=0)
    return render_page(
        "messaging/conversation.html",
        block="older" if cursor else None,
        item=item,
        messages=list(reversed(page.items)),
        older_url=older,
        online=online_for(current_user, [p.id for p in item.participants]) if item else set(),
        partner_read=partner_read,
        form=form or MessageForm(formdata=None),
        message_json=_message_json,
    ), status


@bp.post("/messages/<id:conversation_id>")
@login_required
def send(conversation_id: int):
    """Send a message; htmx clears the box (the message arrives through the socket)."""
    form = MessageForm()
    if form.validate_on_submit():
        try:
            message = services.send_message(
                conversation_id=conversation_id, sender=current_user, body=form.body.data or ""
            )
        except DomainError as error:
            if error.status == 404:
                raise
            apply_errors(form, error)
        else:
            if is_htmx():
                # The message comes back here too, so it shows even if the socket is down;
                # the page drops the socket's copy of an id it already shows.
                return render_page(
                    "messaging/send_form.html",
                    form=MessageForm(formdata=None),
                    conversation_id=conversation_id,
                    sent=True,
                    sent_message=_message_json(message),
                )
            return redirect(url_for("messaging.conversation", conversation_id=conversation_id), 303)
    if is_htmx():
        return render_page(
            "messaging/send_form.html", form=form, conversation_id=conversation_id
        ), 422
    return render_conversation(conversation_id, form=form, status=422)


@bp.post("/messages/<id:conversation_id>/read")
@login_required
def read(conversation_id: int):
    """Mark a conversation read (the page does it when a message arrives while open)."""
    services.mark_read(conversation_id=conversation_id, user=current_user)
    return "", 204
