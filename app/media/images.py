"""Read an uploaded picture safely and make the files we keep: re-encoded, metadata gone.

Nothing here trusts the upload: the kind is read from the first bytes (never the name or the
declared type), the size from the header before any pixel is decoded, GIF frames are counted
by walking the file's blocks (decoding them would be the bomb), and every pixel is decoded once
so a truncated file fails here, before anything is stored. What we keep is drawn again from the
pixels: no EXIF (GPS, camera), XMP, ICC profile or text chunk survives; the colours are
converted to sRGB first so dropping the profile does not change them.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, ImageSequence

# Pillow must refuse a truncated file, never pad it with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Read from the first bytes only.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
)
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
AVATAR_SIZES = (400, 96, 40)


class BadImage(Exception):
    """The upload is not a picture we accept; ``reason`` says why (for the message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # not_image, svg, too_many_pixels, too_many_frames, truncated


@dataclass(frozen=True)
class Limits:
    """How much an upload may hold, and the sizes we keep."""

    max_pixels: int = 40_000_000
    max_frames: int = 100
    max_side: int = 2048
    small_side: int = 640


@dataclass(frozen=True)
class Rendition:
    """One file to store: its name's suffix and extension, its size and its bytes."""

    suffix: str
    ext: str
    width: int
    height: int
    data: bytes

    @property
    def content_type(self) -> str:
        """Return the file's media type."""
        return CONTENT_TYPES[self.ext]


@dataclass(frozen=True)
class Processed:
    """What an upload became: its content hash, its main size and every file to store."""

    key: str  # SHA-256 of the main file: every file's name starts with it
    ext: str  # the main (fallback) file's extension: jpg or png
    width: int
    height: int
    renditions: tuple[Rendition, ...]

    @property
    def content_type(self) -> str:
        """Return the main file's media type."""
        return CONTENT_TYPES[self.ext]

    @property
    def total_bytes(self) -> int:
        """Return the bytes of every file together (what the quota counts)."""
        return sum(len(r.data) for r in self.renditions)

    def names(self) -> list[tuple[str, Rendition]]:
        """Return each file's storage name with its rendition."""
        return [(f"{self.key}{r.suffix}.{r.ext}", r) for r in self.renditions]


def sniff(head: bytes) -> str | None:
    """Return the image format the first bytes announce (PNG, JPEG, GIF, WEBP), else None."""
    for magic, offset, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text


def count_gif_frames(data: bytes, cap: int) -> int:
    """Count a GIF's frames by walking its blocks, without decoding; stop past ``cap``."""

    def skip_sub_blocks(pos: int) -> int:
        while pos < len(data):
            size = data[pos]
            pos += 1
            if size == 0:
                return pos
            pos += size
        return pos

    if len(data) < 13:
        return 0
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    frames = 0
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            pos = skip_sub_blocks(pos + 2)
        elif block == 0x2C:  # image descriptor
            frames += 1
            if frames > cap or pos + 10 > len(data):
                break
            flags = data[pos + 9]
            pos += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
            pos = skip_sub_blocks(pos + 1)  # after the LZW code size
        else:
            break  # not a block: the decoder will refuse the file
    return frames


def open_checked(data: bytes, limits: Limits, *, draft_side: int | None = None) -> Image.Image:
    """Open an upload after checking its kind, size and frames; decode it fully."""
    kind = sniff(data[:16])
    if kind is None:
        raise BadImage("svg" if _looks_like_svg(data[:1024]) else "not_image")
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            # Past MAX_IMAGE_PIXELS Pillow only warns (it raises past twice that): refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width < 1 or height < 1 or width * height > limits.max_pixels:
                raise BadImage("too_many_pixels")
            if kind == "GIF":
                frames = count_gif_frames(data, limits.max_frames)
            else:
                frames = getattr(image, "n_frames", 1)  # read from a header for PNG and WebP
            if frames > limits.max_frames:
                raise BadImage("too_many_frames")
            if kind == "JPEG" and draft_side:
                # Decode at a reduced scale when the result is smaller anyway (much faster).
                image.draft("RGB", (draft_side, draft_side))
            image.load()
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage("too_many_pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        # Pillow's "image file is truncated", broken chunks and bad headers.
        raise BadImage("truncated") from exc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert the pixels to sRGB when the file carried a colour profile."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are
    return converted or image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _normalised(image: Image.Image) -> Image.Image:
    """Return the first frame upright, in RGB or RGBA, sRGB, with no metadata left on it."""
    image.seek(0)
    upright = ImageOps.exif_transpose(image) or image
    mode = "RGBA" if _has_alpha(upright) else "RGB"
    if upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if mode == "RGBA" else "RGB")
    upright = _to_srgb(upright)
    if upright.mode != mode:
        upright = upright.convert(mode)
    # A new image from the pixels alone: nothing of the file's info dict can be written back.
    clean = Image.new(mode, upright.size)
    clean.paste(upright)
    return clean


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "jpg":
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif ext == "png":
        image.save(out, "PNG")
    else:
        # method 2: a third of method 4's time (measured, docs/media.md), a few % larger.
        image.save(out, "WEBP", quality=80, method=2)
    return out.getvalue()


def _scaled(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def _frames(source: Image.Image, limits: Limits) -> list[tuple[Image.Image, int]] | None:
    """Return an animated GIF's frames (clean RGBA copies) and durations; None for a still."""
    count = getattr(source, "n_frames", 1)
    if source.format != "GIF" or count < 2:
        return None
    width, height = source.size
    if count * width * height > limits.max_pixels:
        # Every frame is decoded and kept: the pixel budget counts them all.
        raise BadImage("too_many_frames")
    frames = []
    try:
        for frame in ImageSequence.Iterator(source):
            clean = Image.new("RGBA", frame.size)
            clean.paste(frame.convert("RGBA"))
            frames.append((clean, int(frame.info.get("duration") or 100)))
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImage("truncated") from exc
    return frames


def _encode_animation(frames: list[Image.Image], durations: list[int], ext: str) -> bytes:
    out = io.BytesIO()
    first, rest = frames[0], frames[1:]
    if ext == "gif":
        first.save(
            out, "GIF", save_all=True, append_images=rest, duration=durations, loop=0, disposal=2
        )
    else:
        first.save(
            out,
            "WEBP",
            save_all=True,
            append_images=rest,
            duration=durations,
            loop=0,
            quality=80,
            method=2,
        )
    return out.getvalue()


def _scaled_frames(frames: list[Image.Image], side: int) -> list[Image.Image]:
    return [_scaled(frame, side) for frame in frames]


def _process_animation(animation: list[tuple[Image.Image, int]], limits: Limits) -> Processed:
    """Keep an animated GIF moving: as GIF and animated WebP, in the main and small sizes."""
    frames = [frame for frame, _ in animation]
    durations = [duration for _, duration in animation]
    main = _scaled_frames(frames, limits.max_side)
    width, height = main[0].size
    main_bytes = _encode_animation(main, durations, "gif")
    renditions = [
        Rendition("", "gif", width, height, main_bytes),
        Rendition("", "webp", width, height, _encode_animation(main, durations, "webp")),
    ]
    if max(width, height) > limits.small_side:
        small = _scaled_frames(main, limits.small_side)
        size, suffix = small[0].size, f"-{limits.small_side}"
        renditions += [
            Rendition(suffix, "gif", *size, _encode_animation(small, durations, "gif")),
            Rendition(suffix, "webp", *size, _encode_animation(small, durations, "webp")),
        ]
    key = hashlib.sha256(main_bytes).hexdigest()
    return Processed(key, "gif", width, height, tuple(renditions))


def _fallback_ext(kind: str | None, image: Image.Image) -> str:
    # Screenshots and drawings (PNG, GIF) stay lossless; photos (JPEG) stay JPEG.
    if image.mode == "RGBA" or kind in ("PNG", "GIF"):
        return "png"
    return "jpg"


def process_picture(data: bytes, limits: Limits) -> Processed:
    """Turn an upload into the pictures we keep: main and small sizes, each also as WebP."""
    source = open_checked(data, limits, draft_side=limits.max_side)
    kind = source.format
    animation = _frames(source, limits)
    if animation is not None:
        return _process_animation(animation, limits)
    image = _normalised(source)
    ext = _fallback_ext(kind, image)
    main = _scaled(image, limits.max_side)
    main_bytes = _encode(main, ext)
    renditions = [
        Rendition("", ext, main.width, main.height, main_bytes),
        Rendition("", "webp", main.width, main.height, _encode(main, "webp")),
    ]
    if max(main.size) > limits.small_side:
        small = _scaled(main, limits.small_side)
        suffix = f"-{limits.small_side}"
        renditions += [
            Rendition(suffix, ext, small.width, small.height, _encode(small, ext)),
            Rendition(suffix, "webp", small.width, small.height, _encode(small, "webp")),
        ]
    key = hashlib.sha256(main_bytes).hexdigest()
    return Processed(key, ext, main.width, main.height, tuple(renditions))


def process_avatar(data: bytes, limits: Limits) -> Processed:
    """Turn an upload into square avatars (400, 96 and 40 px), cropped around the centre."""
    source = open_checked(data, limits, draft_side=max(AVATAR_SIZES))
    kind = source.format
    image = _normalised(source)
    ext = _fallback_ext(kind, image)
    renditions = []
    for side in AVATAR_SIZES:
        square = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
        renditions.append(Rendition(f"-{side}", ext, side, side, _encode(square, ext)))
    key = hashlib.sha256(renditions[0].data).hexdigest()
    return Processed(key, ext, AVATAR_SIZES[0], AVATAR_SIZES[0], tuple(renditions))
