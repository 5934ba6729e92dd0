"""Pictures as payloads: what an upload answers, and the multipart form it takes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.media.images import CONTENT_TYPES
from app.media.models import ALT_MAX, Media
from app.payloads import Id, Payload, Request, choice


class MediaOut(Payload):
    """An uploaded picture: put ``![alt](url)`` in a post to show it."""

    id: Id
    url: Annotated[
        str,
        Field(
            description="`/media/<content hash>.<ext>`, the JPEG, PNG or GIF; the same "
            "address with `.webp` is its WebP copy, and pictures wider than 640 px also have "
            "a `-640` copy for feeds (posts show them through srcset)."
        ),
    ]
    width: Annotated[int, Field(ge=1, le=2048)]
    height: Annotated[int, Field(ge=1, le=2048)]
    content_type: choice(sorted(set(CONTENT_TYPES.values()) - {"image/webp"}))  # type: ignore[valid-type]
    alt: str


class PictureUpload(Request):
    """A multipart/form-data upload (documented; read from the form, not JSON)."""

    file: Annotated[
        bytes,
        Field(
            description="PNG, JPEG, WebP or GIF (an animated GIF stays animated), read from its "
            "bytes: at most MEDIA_MAX_BYTES (8 MB by default; 413 past it) and 40 megapixels "
            "(all frames together for an animation).",
            json_schema_extra={"format": "binary", "type": "string"},
        ),
    ]
    alt: Annotated[
        str, Field(max_length=ALT_MAX, description="Text for people who cannot see it.")
    ] = ""


class AvatarUpload(Request):
    """A multipart/form-data avatar upload (documented; read from the form, not JSON)."""

    file: Annotated[
        bytes,
        Field(
            description="PNG, JPEG, WebP or GIF, cropped to a centred square (400, 96, 40 px).",
            json_schema_extra={"format": "binary", "type": "string"},
        ),
    ]


def media_payload(media: Media) -> MediaOut:
    """Return an upload as the API shows it."""
    return MediaOut(
        id=media.id,
        url=media.url,
        width=media.width,
        height=media.height,
        content_type=CONTENT_TYPES[media.ext],
        alt=media.alt,
    )
