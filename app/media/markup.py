"""The HTML of an uploaded picture inside a post: sized (no layout shift), WebP first."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import escape

from app.media.models import Media
from app.media.queries import MEDIA_PATH_RE, pictures_by_key

# The post column is at most ~46rem wide: a phone takes the feed copy, a wide screen the main.
SIZES = "(max-width: 46rem) 100vw, 46rem"


def picture_html(media: Media, alt: str) -> str:
    """Return a <picture> with WebP and fallback sources, width and height set."""
    if media.removed_at is not None:
        return f'<span class="media-removed">{escape(_("Picture removed"))}</span>'
    key, ext = media.key, media.ext
    main = (f"/media/{key}.webp", f"/media/{key}.{ext}")
    if media.small_width:
        side = max(media.small_width, media.small_height)
        webp = f"/media/{key}-{side}.webp {media.small_width}w, {main[0]} {media.width}w"
        fallback = f"/media/{key}-{side}.{ext} {media.small_width}w, {main[1]} {media.width}w"
        sizes = f' sizes="{SIZES}"'
    else:
        webp, fallback, sizes = main[0], main[1], ""
    return (
        f'<picture><source type="image/webp" srcset="{webp}"{sizes}>'
        f'<img class="media" src="{main[1]}" srcset="{fallback}"{sizes} '
        f'width="{media.width}" height="{media.height}" alt="{escape(alt)}"></picture>'
    )


def local_images(images: Sequence[tuple[str, str]]) -> list[str | None]:
    """Return the markup of each (src, alt) that names an upload, in one query."""
    keys = []
    for src, _alt in images:
        match = MEDIA_PATH_RE.fullmatch(src)
        keys.append(match.group(1) if match else None)
    found = pictures_by_key([k for k in keys if k])
    out: list[str | None] = []
    for key, (_src, alt) in zip(keys, images, strict=True):
        if key is None:
            out.append(None)  # not a name the store makes: left as the author wrote it
            continue
        media = found.get(key)
        # An upload's address whose upload is gone shows its alt text, never a broken image.
        out.append(picture_html(media, alt) if media is not None else str(escape(alt)))
    return out


def alt_text_only(images: Sequence[tuple[str, str]]) -> list[str | None]:
    """Return the alt text of each upload's address (comments show no uploaded pictures)."""
    return [str(escape(alt)) if MEDIA_PATH_RE.fullmatch(src) else None for src, alt in images]
