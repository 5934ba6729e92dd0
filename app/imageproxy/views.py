"""The image proxy's route: ``GET /img/<signature>/<source>`` serves a picture this app signed."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from app.extensions import client_address, limiter
from app.imageproxy.service import ImageUnavailable, proxied_image
from app.imageproxy.signing import verified_url

bp = Blueprint("imageproxy", __name__)

# The picture cannot run anything, embed anything or be read as anything but a picture.
PICTURE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@bp.get("/img/<signature>/<source>")
@limiter.limit(lambda: current_app.config["IMAGE_PROXY_LIMIT"], key_func=client_address)
def show_image(signature: str, source: str) -> Response:
    """Serve a picture from another host through the proxy, if this app signed its address."""
    url = verified_url(signature, source)
    if url is None:
        return _refusal(404, "bad_signature", "Not an image address of this site.")
    try:
        picture = proxied_image(url=url)
    except ImageUnavailable as error:
        failure = error.failure
        return _refusal(failure.status, failure.code, failure.message)
    response = Response(picture.data, mimetype=picture.content_type, headers=PICTURE_HEADERS)
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['IMAGE_PROXY_MAX_AGE']}, immutable"
    )
    response.set_etag(picture.etag)
    return response.make_conditional(request)


def _refusal(status: int, code: str, message: str) -> Response:
    response = Response(
        message + "\n", status=status, mimetype="text/plain", headers=PICTURE_HEADERS
    )
    response.headers["X-Image-Proxy-Error"] = code
    # Browsers may ask again soon, not at once: the failure is remembered as long server-side.
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['IMAGE_PROXY_FAILURE_TTL']}"
    )
    return response
