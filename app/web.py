"""What every HTML page shares: htmx-aware rendering, locale, security headers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from babel.support import NullTranslations
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2_fragments.flask import render_block

from app.asciihtml import CATALOGUE, AsciiTemplates, ascii_output, install_gettext

# htmx settings served through a <meta> tag, so no inline script is needed (CSP).
HTMX_CONFIG = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        # Forms with errors come back as 422 and are swapped in place.
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Pictures from other hosts come through the image proxy (/img/...), so no reader's
        # address reaches their hosts; MEDIA_PUBLIC_ORIGIN, when set, is added per response.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        # The service worker (/sw.js) and the manifest are the site's own.
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_htmx() -> bool:
    """Tell whether htmx asked for a fragment (and not a boosted full page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render_page(template: str, block: str | None = None, **context: Any) -> str:
    """Render the whole page, or only ``block`` when htmx asks for a fragment."""
    if block and is_htmx():
        return render_block(template, block, **context)
    return render_template(template, **context)


def allow_form_action(origin: str) -> None:
    """Let this page's forms lead to ``origin`` too: CSP checks every redirect a form starts."""
    # The settings page's "Connect GitHub" posts here, and the answer redirects to GitHub.
    g.form_action_origins = [*g.get("form_action_origins", []), origin]


def add_security_headers(response: Response) -> Response:
    """Add CSP and the other protective headers to every response."""
    headers = response.headers
    policy = CONTENT_SECURITY_POLICY
    media_origin = (current_app.config.get("MEDIA_PUBLIC_ORIGIN") or "").rstrip("/")
    if media_origin:
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {media_origin}")
    if g.get("form_action_origins"):
        extra = " ".join(g.form_action_origins)
        policy = policy.replace("form-action 'self'", f"form-action 'self' {extra}")
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if is_htmx():
        # A fragment and a full page share one URL: caches must keep them apart.
        headers.add("Vary", "HX-Request")
    if response.mimetype == "text/html":
        # A page's language follows the browser's when neither account nor cookie chose one.
        response.vary.add("Accept-Language")
    return response


def page_translations() -> NullTranslations:
    """Return the translations of this request's locale, looked up once per locale."""
    # Flask-Babel's own lookup walks g, the domain and the locale on every _() of a template
    # (7 us each, 40 per page: bench/pages.py --profile). Keep its answer with the locale and
    # domain it was made for: force_locale (mail) swaps the locale object, which misses here.
    try:
        state = g._get_current_object()
    except RuntimeError:  # outside an app context
        return get_translations()
    babel_state = state.__dict__.get("_flask_babel")
    memo = state.__dict__.get("_page_translations")
    if memo is not None and babel_state is not None:
        babel_vars = babel_state.__dict__
        if memo[0] is babel_vars.get("babel_locale") and memo[1] is babel_vars.get("babel_domain"):
            return memo[2]
    translations = get_translations()
    babel_state = state.__dict__.get("_flask_babel")
    if babel_state is None:
        return translations
    babel_vars = babel_state.__dict__
    state._page_translations = (
        babel_vars.get("babel_locale"),
        babel_vars.get("babel_domain"),
        translations,
    )
    return translations


# Signed CSRF tokens by (secret, the session's raw token): WTF_CSRF_TIME_LIMIT is None, so a
# token signed once stays valid for as long as the session, and signing one for every page
# (a serializer, JSON, HMAC and base64: 180 Python calls) bought nothing. Bounded.
_SIGNED_TOKENS: dict[tuple[str, str], str] = {}
_SIGNED_TOKENS_MAX = 10_000


def page_csrf_token() -> str:
    """Return the session's CSRF token for a page's forms, signed once per process."""
    kept = g.get("csrf_token")
    if kept:
        return kept
    config = current_app.config
    raw = session.get("csrf_token")
    if (
        raw is None  # the session's first token: Flask-WTF stores it in the session
        or config.get("WTF_CSRF_TIME_LIMIT") is not None  # the time it was signed counts
        or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") != "csrf_token"
    ):
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    token = _SIGNED_TOKENS.get(key)
    if token is None:
        token = generate_csrf()
        if len(_SIGNED_TOKENS) >= _SIGNED_TOKENS_MAX:
            _SIGNED_TOKENS.clear()
        _SIGNED_TOKENS[key] = token
    else:
        g.csrf_token = token  # where Flask-WTF's generate_csrf and its forms look first
    return token


_URLS_MAX = 20_000  # addresses kept per app


def page_url_for(app: Flask) -> Callable[..., str]:
    """Return the templates' url_for: ``app.url_for``, each address built once per script root.

    A page asks for the same few addresses on every request (its tabs, its feed links), and
    building one walks Werkzeug's rules: 35 to 80 Python calls each (bench/pages.py). A path
    (not an address with its host, as a socket's ws:// one is) depends only on the rules, the
    endpoint, its values and the script root; the rules do not change once the app is made.
    """
    build = app.url_for
    kept: dict[tuple[Any, ...], str] = {}

    def url_for(endpoint: str, **values: Any) -> str:
        if endpoint[:1] == "." or "_external" in values or "_scheme" in values:
            return build(endpoint, **values)  # the blueprint's, or the host's: not kept
        if not has_request_context():
            return build(endpoint, **values)
        key = (request.script_root, endpoint, *values.items())
        try:
            url = kept.get(key)
        except TypeError:  # a value that cannot be a key (a list): built each time
            return build(endpoint, **values)
        if url is None:
            url = build(endpoint, **values)
            if url[:1] != "/" or url[:2] == "//":
                return url  # built with its host (a socket's ws:// address): not kept
            if len(kept) >= _URLS_MAX:
                kept.clear()
            kept[key] = url
        return url

    return url_for


def _page_context() -> dict[str, Any]:
    # Each render's catalogue, looked up once (app.asciihtml); Flask-WTF's own processor
    # hands templates its csrf_token, which signs a new token on every page.
    return {CATALOGUE: page_translations(), "csrf_token": page_csrf_token}


def register_web_hooks(app: Flask) -> None:
    """Attach the headers hook and the template globals."""
    app.after_request(add_security_headers)
    # Pages in ASCII (app/asciihtml.py): the templates' text, _() and every {{ }} in HTML.
    app.jinja_env.add_extension(AsciiTemplates)
    app.jinja_env.finalize = ascii_output
    install_gettext(app.jinja_env, page_translations)
    app.jinja_env.globals["csrf_token"] = page_csrf_token  # over Flask-WTF's own
    app.jinja_env.globals["url_for"] = page_url_for(app)
    app.context_processor(_page_context)
    app.jinja_env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
    app.jinja_env.globals["is_htmx"] = is_htmx
    # <html lang> follows the page's language (app/i18n.py select_locale).
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
