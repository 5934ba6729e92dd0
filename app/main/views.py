"""Site-wide pages and helpers: generated avatars, Markdown preview."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from markupsafe import escape
from wtforms import ValidationError as TokenError

from app.accounts import services as accounts
from app.accounts.rules import USERNAME_RE
from app.errors import DomainError, ValidationError
from app.extensions import csrf
from app.i18n import COOKIE_MAX_AGE, LOCALE_COOKIE, LOCALE_ERROR, supported_locale
from app.posts.services import preview_markdown
from app.ratelimits import preview_limit
from app.redirects import referrer_or
from app.web import render_page
from app.web_helpers import avatar_colour

bp = Blueprint("main", __name__)


@bp.get("/avatars/<username>.svg")
def avatar(username: str):
    """Draw an avatar from a username's first letter and a colour of its own."""
    if not USERNAME_RE.match(username):
        abort(404)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" '
        f'aria-label="{escape(username)}">'
        f'<rect width="64" height="64" rx="32" fill="{avatar_colour(username)}"/>'
        '<text x="32" y="41" font-family="system-ui, sans-serif" font-size="28" '
        f'font-weight="600" fill="#fff" text-anchor="middle">{escape(username[0].upper())}</text>'
        "</svg>"
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.post("/preview")
@preview_limit
@login_required
def preview():
    """Render Markdown as a post would show it (the composer's live preview)."""
    try:
        html = preview_markdown(request.form.get("body", ""))
    except DomainError as error:
        return render_page("main/preview.html", html=None, message=error.message), 200
    return render_page("main/preview.html", html=html, message=None)


@bp.post("/language")
@csrf.exempt  # checked below for an account; a visitor's choice is only a cookie of theirs
def set_language():
    """Switch the pages' language (the footer's form): the account's, or a visitor's cookie."""
    locale = request.form.get("locale", "")
    if supported_locale(locale) is None:
        raise ValidationError(str(LOCALE_ERROR), {"locale": [str(LOCALE_ERROR)]})
    if current_user.is_authenticated:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except TokenError as exc:
            raise CSRFError(str(exc)) from exc
        accounts.update_profile(user=current_user, locale=locale)
    response = redirect(referrer_or(url_for("feeds.home")), code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response
