"""Domain errors and the one place that turns them (and HTTP errors) into responses."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any

import sqlalchemy.exc
from flask import Flask, Response, current_app, g, jsonify, make_response, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.observability.logs import Throttle

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request; safe to show to the user."""

    status = 400
    code = "bad_request"
    # Seconds the caller should wait (sent as Retry-After), and what the API answer carries
    # beside ``error`` (the ``mfa_token`` of a sign-in that needs a code).
    retry_after: int | None = None
    extra: dict[str, Any] | None = None

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class BadRequest(DomainError):
    """The request could not be read (malformed JSON, wrong shape)."""


class Unauthorized(DomainError):
    """Credentials are missing or wrong."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it exists."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with existing data (a taken username, say)."""

    status = 409
    code = "conflict"


class ValidationError(DomainError):
    """One or more fields are invalid."""

    status = 422
    code = "validation_error"


class TooManyAttempts(DomainError):
    """Too many wrong tries of a secret (a second-factor code): refused for a while."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class MfaRequired(Unauthorized):
    """The password was right, and the account also needs a code: finish with ``mfa_token``."""

    code = "mfa_required"

    def __init__(self, message: str, mfa_token: str) -> None:
        super().__init__(message)
        self.extra = {"mfa_token": mfa_token}


class EmailUnverified(Forbidden):
    """Writing (posts, comments, messages) waits until the account's address is verified."""

    code = "email_unverified"


class InvalidLink(DomainError):
    """A mailed link's token is unknown, expired, spent, replaced or not the caller's."""

    code = "invalid_token"


class AccountPendingDeletion(Forbidden):
    """The credentials were right, but the account asked to be deleted: it may cancel instead."""

    code = "account_pending_deletion"

    def __init__(self, message: str, *, user_id: int, erase_at: str) -> None:
        super().__init__(message)
        # Not sent: the login page keeps it (in the signed session) to offer the cancel.
        self.user_id = user_id
        self.extra = {"erase_at": erase_at}


class ProviderUnavailable(DomainError):
    """An outside service we depend on (GitHub's sign-in) failed or did not answer in time."""

    status = 502
    code = "bad_gateway"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    502: "bad_gateway",
    503: "service_unavailable",
}

# PostgreSQL SQLSTATEs meaning "no usable connection", besides class 08 (connection exception):
# the server shutting down or starting up (57P01-57P03), and no connection slot left (53300).
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# One outage line per second per process at most; the next one says how many it stands for.
_outage_lines = Throttle(interval=1.0)


def wants_json() -> bool:
    """Tell whether this request is answered in JSON (the API) rather than HTML."""
    return request.path.startswith("/api/")


def json_error(
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Build the API's error response (``extra`` goes beside ``error``)."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body, **(extra or {}))
    response.status_code = status
    return response


def html_error(status: int, message: str) -> Response:
    """Render the error page, or just its message block for htmx."""
    from app.web import render_page

    return make_response(render_page("errors/error.html", status=status, message=message), status)


def handle_domain_error(error: DomainError) -> Any:
    """Answer a domain error in the caller's language (JSON or HTML)."""
    if wants_json():
        response = json_error(error.status, error.code, error.message, error.fields, error.extra)
    else:
        response = html_error(error.status, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def handle_http_error(error: HTTPException) -> Any:
    """Answer an HTTP error (404, 405, 429, ...) with the API shape or an HTML page."""
    status = error.code or 500
    if status == 500 and is_database_outage(getattr(error, "original_exception", None)):
        # Raised where no handler of ours runs (opening the session): Flask wrapped it.
        return database_unavailable(error.original_exception)  # type: ignore[attr-defined]
    if status == 429:
        message = _("Too many requests. Please wait a moment and try again.")
    elif status == 404:
        message = _("That page does not exist, or it is not yours to see.")
    elif status == 413:
        message = _too_large_message()
    elif isinstance(error, CSRFError):
        message = _("The form expired or was sent from another site. Reload the page and retry.")
    else:
        message = error.description or error.name
    if wants_json():
        response = json_error(status, HTTP_CODES.get(status, "error"), message)
    else:
        response = html_error(status, message)
    if status == 429:
        from app.observability.metrics import rate_limit_refused, rate_limit_scope

        rate_limit_refused(rate_limit_scope(error))
        retry_after = _retry_after(error)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _too_large_message() -> str:
    """Say how large this request's body may be (an upload's limit, or the app's)."""
    limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return _("The request is too large.")
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return _("The request is too large: send at most %(size)s.", size=size)


def _retry_after(error: HTTPException) -> int | None:
    """Read the seconds until the limit resets from Flask-Limiter's error, if any."""
    original = getattr(error, "response", None)
    if original is not None and original.headers.get("Retry-After"):
        return int(original.headers["Retry-After"])
    limit = getattr(error, "limit", None)
    if limit is not None:
        try:
            return int(limit.limit.get_expiry())
        except Exception:  # pragma: no cover - older limits versions
            return None
    return None


def is_database_outage(error: BaseException | None) -> bool:
    """Tell whether an error means the database cannot be reached, rather than a bug."""
    if isinstance(error, sqlalchemy.exc.TimeoutError):
        return True  # every pooled connection busy for pool_timeout seconds
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if error.connection_invalidated:
            return True  # the dialect saw the connection drop
        error = error.orig
    psycopg = sys.modules.get("psycopg")  # not imported: not a PostgreSQL error
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        # No SQLSTATE: the client never got an answer (refused, reset, timed out).
        state = error.sqlstate
        return state is None or state.startswith("08") or state in UNAVAILABLE_SQLSTATES
    return False


def _describe(error: BaseException) -> str:
    cause = error.orig if isinstance(error, sqlalchemy.exc.DBAPIError) else error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}"


def database_unavailable(error: BaseException) -> Response:
    """Answer 503 with Retry-After, and log one line (no traceback: it is not a bug)."""
    from app.extensions import db

    # The page's language may not come from the account: loading it needs the database.
    g.database_unavailable = True
    # Nothing can be rolled back on a server that went away: drop the request's connection now,
    # or the session's teardown tries a ROLLBACK on it and fails outside every handler.
    with contextlib.suppress(Exception):
        db.session.invalidate()
    held = _outage_lines.allow()
    if held is not None:
        log.warning(
            "database unavailable: %s %s answered 503 (%s)%s",
            request.method,
            request.path,
            _describe(error),
            f"; {held} more since the last line" if held else "",
        )
    message = _("DevThread is briefly unavailable. Please try again in a few seconds.")
    if wants_json():
        response = json_error(503, "service_unavailable", message)
    else:
        from app.web import render_page

        page = render_page("errors/unavailable.html", block="message", message=message)
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(current_app.config.get("OUTAGE_RETRY_AFTER", 5))
    return response


def handle_database_error(error: Exception) -> Any:
    """Answer an unreachable database with 503; any other database error stays a bug (500)."""
    if is_database_outage(error):
        return database_unavailable(error)
    if current_app.testing or current_app.debug:
        raise error  # tests and the debugger see the real exception
    return handle_unexpected(error)


def handle_unexpected(error: Exception) -> Any:
    """Log an unexpected failure and answer 500 without leaking details."""
    if is_database_outage(error):
        return database_unavailable(error)
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return json_error(500, "internal_error", "Something went wrong on our side.")
    return html_error(500, _("Something went wrong on our side. Please try again."))


def register_error_handlers(app: Flask) -> None:
    """Attach the handlers for domain, HTTP and unexpected errors."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    # Registered whatever the mode (tests included): an outage is an answer, not a crash.
    app.register_error_handler(sqlalchemy.exc.DBAPIError, handle_database_error)
    app.register_error_handler(sqlalchemy.exc.TimeoutError, handle_database_error)
    if not app.testing and not app.debug:
        app.register_error_handler(Exception, handle_unexpected)
