"""Build static/css/code.css: contrast-checked Pygments themes for code blocks, and prose styles.

Run `python scripts/build_code_css.py` to rewrite the file, `--check` to fail if it is stale.
Every token colour is checked against the background it is drawn on (the token's own background
if it has one, else the theme's); colours under WCAG AA (4.5:1) are moved towards black or white
until they pass, and the file lists each colour that was changed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token, Whitespace

OUTPUT = Path(__file__).resolve().parent.parent / "static" / "css" / "code.css"
SCOPE = ".highlight"
AA = 4.5
# Pygments "default" leaves plain text uncoloured: use the page text of app.css for each theme.
THEMES = {"light": ("default", "#1f2328"), "dark": ("github-dark", "#e6edf3")}
# Declarations a token gets when its style says nothing; the dark theme writes them out to
# undo what the light rules set.
RESET = {
    "color": "inherit",
    "background-color": "transparent",
    "font-weight": "normal",
    "font-style": "normal",
    "text-decoration": "none",
    "border": "none",
}


@dataclass
class Theme:
    """One Pygments style turned into checked CSS declarations per token class."""

    style_name: str
    background: str
    text: str
    rules: dict[str, dict[str, str]]
    changes: list[str]
    lowest: float


def luminance(colour: str) -> float:
    """Return the WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def normalize(colour: str) -> str:
    """Return a Pygments colour as lower-case #rrggbb."""
    colour = colour.lstrip("#").lower()
    if len(colour) == 3:
        colour = "".join(ch * 2 for ch in colour)
    return "#" + colour


def passing(foreground: str, background: str) -> str:
    """Return the foreground, moved towards black or white just enough to meet AA."""
    target = 0 if luminance(background) > 0.18 else 255
    rgb = [int(foreground[i : i + 2], 16) for i in (1, 3, 5)]
    step = 0
    colour = foreground
    while contrast(colour, background) < AA and step < 100:
        step += 1
        # Mixing keeps the hue, so a too-light green stays a green.
        mixed = [round(c + (target - c) * step / 100) for c in rgb]
        colour = "#" + "".join(f"{c:02x}" for c in mixed)
    return colour


def build_theme(style_name: str, fallback_text: str) -> Theme:
    """Turn a Pygments style into declarations per token class, fixing low-contrast colours."""
    style: StyleMeta = get_style_by_name(style_name)
    background = normalize(style.background_color)
    changes: list[str] = []
    base = style.style_for_token(Token)
    text = normalize(base["color"]) if base["color"] else fallback_text
    fixed = passing(text, background)
    if fixed != text:
        changes.append(f"text {text} -> {fixed}")
        text = fixed
    lowest = contrast(text, background)
    rules: dict[str, dict[str, str]] = {}
    for ttype, css_class in sorted(STANDARD_TYPES.items(), key=lambda item: item[1]):
        if not css_class:
            continue
        found = style.style_for_token(ttype)
        declarations: dict[str, str] = {}
        token_background = normalize(found["bgcolor"]) if found["bgcolor"] else None
        colour = normalize(found["color"]) if found["color"] else None
        # Whitespace draws no glyphs, so its colour cannot fail anyone.
        if ttype is not Whitespace and (colour or token_background):
            drawn_on = token_background or background
            fixed = passing(colour or text, drawn_on)
            if fixed != (colour or text):
                changes.append(f".{css_class} {colour or text} -> {fixed} on {drawn_on}")
                colour = fixed
            lowest = min(lowest, contrast(colour or text, drawn_on))
        if colour:
            declarations["color"] = colour
        if token_background:
            declarations["background-color"] = token_background
        if found["bold"]:
            declarations["font-weight"] = "bold"
        if found["italic"]:
            declarations["font-style"] = "italic"
        if found["underline"]:
            declarations["text-decoration"] = "underline"
        if found["border"]:
            declarations["border"] = f"1px solid {normalize(found['border'])}"
        if declarations:
            rules[css_class] = declarations
    return Theme(style_name, background, text, rules, changes, lowest)


def declarations_css(declarations: dict[str, str]) -> str:
    """Return declarations as one CSS block body."""
    return " ".join(f"{name}: {value};" for name, value in declarations.items())


def theme_css(theme: Theme, undo: Theme | None, indent: str) -> list[str]:
    """Return the rules of one theme; with `undo`, also reset what that theme set."""
    lines = [f"{indent}{SCOPE} {{ color: {theme.text}; background-color: {theme.background}; }}"]
    classes = sorted(set(theme.rules) | (set(undo.rules) if undo else set()))
    for css_class in classes:
        declarations = dict(theme.rules.get(css_class, {}))
        if undo:
            for name in undo.rules.get(css_class, {}):
                declarations.setdefault(name, RESET[name])
        if declarations:
            lines.append(f"{indent}{SCOPE} .{css_class} {{ {declarations_css(declarations)} }}")
    return lines


PROSE_CSS = """\
/* Rendered Markdown of posts and comments (app/posts/markdown.py) sits inside .prose. */
.prose { overflow-wrap: anywhere; }
.prose > :first-child { margin-top: 0; }
.prose > :last-child { margin-bottom: 0; }
.prose h2, .prose h3, .prose h4, .prose h5, .prose h6 { line-height: 1.25; margin: 1.2em 0 0.5em; }
.prose h2 { font-size: 1.35rem; }
.prose h3 { font-size: 1.2rem; }
.prose h4 { font-size: 1.05rem; }
.prose h5, .prose h6 { font-size: 1rem; }
.prose h6 { color: var(--muted); }
.prose img { max-width: 100%; height: auto; }
.prose hr { border: 0; border-top: 1px solid var(--border); margin: 1.2em 0; }
.prose blockquote {
  margin: 0.8em 0;
  padding: 0 1em;
  border-left: 4px solid var(--border);
  color: var(--muted);
}
.prose :not(pre) > code { background: var(--code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
.prose pre.highlight { line-height: 1.45; }
.prose table {
  display: block;
  max-width: 100%;
  overflow-x: auto;
  border-collapse: collapse;
  margin: 0.8em 0;
}
.prose th, .prose td { border: 1px solid var(--border); padding: 0.35em 0.7em; }
.prose th { background: var(--code-bg); }
.prose .align-left { text-align: left; }
.prose .align-center { text-align: center; }
.prose .align-right { text-align: right; }
.prose .hashtag, .prose .mention { color: var(--accent); font-weight: 600; text-decoration: none; }
.prose .hashtag:hover, .prose .mention:hover { text-decoration: underline; }
.prose .contains-task-list { list-style: none; padding-left: 1.6em; }
.prose .task-list-item-checkbox {
  margin: 0 0.45em 0 -1.4em;
  vertical-align: middle;
  accent-color: var(--accent);
}
"""


def build_css() -> tuple[str, list[Theme]]:
    """Return the stylesheet text and the two checked themes."""
    light = build_theme(*THEMES["light"])
    dark = build_theme(*THEMES["dark"])
    notes = [
        f"{name}: {change}"
        for name, t in (("light", light), ("dark", dark))
        for change in t.changes
    ]
    header = [
        "/* Generated by scripts/build_code_css.py; do not edit by hand.",
        f'   Code blocks: Pygments "{light.style_name}" (light) and "{dark.style_name}" (dark).',
        f"   Lowest text/background contrast: light {light.lowest:.2f}:1, dark {dark.lowest:.2f}:1"
        " (WCAG AA needs 4.5:1).",
        *(f"   Adjusted for contrast: {note}" for note in notes or ["none"]),
        "*/",
    ]
    lines = [*header, *theme_css(light, None, ""), "", "@media (prefers-color-scheme: dark) {"]
    lines += [*theme_css(dark, light, "  "), "}", "", PROSE_CSS]
    return "\n".join(lines), [light, dark]


def main() -> int:
    """Write code.css, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if code.css is out of date")
    args = parser.parse_args()
    css, themes = build_css()
    for theme in themes:
        print(
            f"{theme.style_name}: background {theme.background}, text {theme.text}, "
            f"lowest contrast {theme.lowest:.2f}:1, {len(theme.changes)} colour(s) adjusted"
        )
        for change in theme.changes:
            print(f"  {change}")
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != css:
            print(f"{OUTPUT} is out of date: run scripts/build_code_css.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(css, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
