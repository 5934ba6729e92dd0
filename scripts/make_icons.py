"""Draw the app's icons (static/img/icons/): the favicon's "</>" mark as PNGs for installing.

Run `python scripts/make_icons.py` to rewrite them, `--check` to fail if they are stale. The
mark is drawn as strokes, not with a font, so every machine draws the same pixels. The maskable
icon fills its whole square (a launcher cuts its own shape out of it) and keeps the mark inside
the central safe zone, a circle of 40% of the size (https://w3c.github.io/manifest/#icon-masks).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

OUTPUT = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
BLUE = (11, 92, 213, 255)  # the favicon's and the site's accent colour (#0b5cd5)
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4  # drawn this many times larger, then scaled down: smooth edges
# The mark in a unit square: "<", "/" and ">" as polylines.
STROKES = (
    ((0.37, 0.33), (0.21, 0.5), (0.37, 0.67)),
    ((0.56, 0.29), (0.44, 0.71)),
    ((0.63, 0.33), (0.79, 0.5), (0.63, 0.67)),
)
STROKE_WIDTH = 0.065
# name: (size, corner radius as a share of the size, the mark's scale)
ICONS = {
    "icon-192.png": (192, 0.22, 1.0),
    "icon-512.png": (512, 0.22, 1.0),
    "icon-maskable-512.png": (512, 0.0, 0.72),
    "apple-touch-icon.png": (180, 0.0, 0.9),
}


def draw(size: int, radius: float, scale: float) -> Image.Image:
    """Return one icon: the blue square (rounded or not) with the white mark."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(radius * big), fill=BLUE)
    width = max(1, round(STROKE_WIDTH * scale * big))
    for stroke in STROKES:
        points = [
            ((0.5 + (x - 0.5) * scale) * big, (0.5 + (y - 0.5) * scale) * big) for x, y in stroke
        ]
        pen.line(points, fill=WHITE, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round caps
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def png(image: Image.Image) -> bytes:
    """Encode an image as a PNG, the same bytes for the same pixels."""
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    """Write the icons, or with --check report whether the committed ones are current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if an icon is stale")
    args = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, (size, radius, scale) in ICONS.items():
        data = png(draw(size, radius, scale))
        path = OUTPUT / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
    if stale:
        print(f"stale icons: {stale}; run python scripts/make_icons.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
