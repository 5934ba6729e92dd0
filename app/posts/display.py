"""Stored post and comment HTML as readers get it: pictures from other hosts via the proxy.

``body_html`` is stored as rendered, with the pictures' own addresses; every face shows it
through ``shown_html`` (pages with the ``shown_html`` template filter, the API and socket
frames through the payloads, previews through the preview services). Signing when shown, not
when stored, covers the posts written before the proxy and survives a new ``SECRET_KEY``.
"""

from __future__ import annotations

from app.imageproxy.signing import image_address
from app.posts.markdown import rewrite_image_sources


def shown_html(html: str) -> str:
    """Return rendered HTML with each outside picture's address turned into a proxy address."""
    return rewrite_image_sources(html, image_address)
