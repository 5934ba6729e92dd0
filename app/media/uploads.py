"""Read one uploaded file from a multipart request, within the upload size limit."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from pydantic import BaseModel

from app.errors import ValidationError

# What a multipart body adds around the file (boundaries, headers, the alt field).
MULTIPART_SLACK = 64 * 1024


def allow_upload_size() -> None:
    """Let this request's body be as large as one upload (the app's limit is smaller)."""
    # Set before anything reads the form: werkzeug then answers 413 from Content-Length alone,
    # without reading the body, and stops a body without a length at the limit.
    request.max_content_length = current_app.config["MEDIA_MAX_BYTES"] + MULTIPART_SLACK


def read_upload(field: str = "file", *, declared: type[BaseModel] | None = None) -> bytes:
    """Return the uploaded file's bytes; 422 for no file or a part the route does not declare."""
    allow_upload_size()
    if declared is not None:
        unknown = (set(request.form) | set(request.files)) - set(declared.model_fields)
        if unknown:
            raise ValidationError(
                _("Some fields need attention."), {name: [_("Unknown field.")] for name in unknown}
            )
    upload = request.files.get(field)
    if upload is None:
        message = _("Choose a picture to upload.")
        raise ValidationError(message, {field: [message]})
    # The name and the declared type are never used: only the bytes are.
    return upload.stream.read(current_app.config["MEDIA_MAX_BYTES"] + 1)


def check_page_csrf() -> None:
    """Check a page upload's CSRF token, after its size limit is set (400 when wrong)."""
    from flask_wtf.csrf import CSRFError, validate_csrf
    from wtforms import ValidationError as TokenError

    allow_upload_size()
    token = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    try:
        validate_csrf(token)
    except TokenError as exc:
        raise CSRFError(str(exc)) from exc
