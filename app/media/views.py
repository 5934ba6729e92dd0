"""Picture files, served from the store; the composer's upload (JSON, for its script).

Neither route is under the general read and write budgets (a page of pictures is many reads
of immutable files); uploads have a budget of their own (MEDIA_UPLOAD_LIMIT).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import DomainError, json_error
from app.extensions import csrf
from app.media import services
from app.media.images import CONTENT_TYPES
from app.media.payloads import media_payload
from app.media.storage import get_storage, is_media_name
from app.media.uploads import check_page_csrf, read_upload
from app.ratelimits import upload_limit

bp = Blueprint("media", __name__)

YEAR = 365 * 24 * 3600


@bp.get("/media/<name>")
def serve_media(name: str):
    """Send a stored picture: named by its content, so cached for good."""
    if not is_media_name(name):
        abort(404)
    stored = get_storage().open(name)
    if stored is None:
        abort(404)
    mimetype = CONTENT_TYPES[name.rsplit(".", 1)[1]]
    if stored.path is not None:
        response = send_file(stored.path, mimetype=mimetype, etag=name, max_age=YEAR)
    else:
        response = Response(stored.chunks, mimetype=mimetype, direct_passthrough=True)
        response.content_length = stored.size
        response.set_etag(name)
        response.make_conditional(request)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    # A picture is never a document: no script, no plugin, no framing, even opened alone.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/media")
@csrf.exempt
@upload_limit
def upload_media():
    """Store a picture from the composer; answer the API's JSON (the script reads it)."""
    if not current_user.is_authenticated:
        return json_error(401, "unauthorized", _("Sign in to upload pictures."))
    try:
        check_page_csrf()
        data = read_upload()
        media = services.upload_picture(owner=current_user, data=data, alt=request.form.get("alt"))
    except CSRFError:
        return json_error(400, "bad_request", _("The page expired: reload it and try again."))
    except RequestEntityTooLarge:
        return json_error(413, "payload_too_large", services.too_large_message())
    except DomainError as error:
        return json_error(error.status, error.code, error.message, error.fields)
    current_app.logger.info("picture %s uploaded by %s", media.id, current_user.username)
    return jsonify(media_payload(media).json_dict()), 201
