"""Pictures made in memory for the media tests: good ones, and each kind of bad one."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png(width: int = 64, height: int = 48, colour=(200, 30, 30), mode: str = "RGB") -> bytes:
    """Return a plain PNG."""
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(width: int = 300, height: int = 200, orientation: int = 1) -> bytes:
    """Return a JPEG whose EXIF holds GPS coordinates, a camera and an orientation."""
    image = Image.new("RGB", (width, height), (10, 120, 200))
    # A mark in the top-left corner, to see where rotation puts it.
    image.paste((255, 255, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0112] = orientation  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def webp(width: int = 80, height: int = 80) -> bytes:
    """Return a WebP with transparency."""
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 200, 0, 128)).save(out, "WEBP")
    return out.getvalue()


def gif(frames: int = 1, width: int = 16, height: int = 16, comment: bytes = b"") -> bytes:
    """Return a GIF of ``frames`` frames (made by Pillow: a real, decodable file)."""
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    images = [Image.new("RGB", (width, height), colours[i % 3]) for i in range(frames)]
    out = io.BytesIO()
    extra = {"comment": comment} if comment else {}
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=50, **extra)
    return out.getvalue()


def gif_many_frames(frames: int = 5000) -> bytes:
    """Return a tiny GIF with thousands of 1x1 frames, written by hand (fast)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 10 ms
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW: one pixel
    )
    return header + frame * frames + b"\x3b"


def png_bomb(side: int = 100_000) -> bytes:
    """Return a small PNG whose header claims ``side`` x ``side`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    # One row of zeros, compressed: decompressing all rows would be 10 GB.
    idat = zlib.compress(b"\x00" * (side + 1) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
