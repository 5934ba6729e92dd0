"""Render the Markdown of posts and comments to safe HTML, plain text, tags and mentions.

The pipeline: markdown-it (CommonMark, no raw HTML) -> a core rule that turns `#tags` and
resolved `@mentions` into links on the token stream -> Pygments for fenced code -> nh3 with
an explicit allowlist. The sanitizer runs last so that nothing earlier has to be perfect.
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import find_lexer_class, get_all_lexers
from pygments.token import STANDARD_TYPES

MentionResolver = Callable[[set[str]], dict[str, str]]
# Given (src, alt) of each same-origin `/media/...` image, return its markup (None: leave it).
LocalImages = Callable[[Sequence[tuple[str, str]]], Sequence[str | None]]
_LOCAL_IMAGE_PREFIX = "/media/"

# One pattern for both kinds, so a single pass finds them in document order. The lookbehinds
# keep URL fragments (`/#a`), `C#`, entities (`&#35;`) and e-mail addresses out; the
# lookaheads make an over-long run fail instead of matching its first 30 characters.
_REF_RE = re.compile(
    r"(?<![\w/&])#(?P<tag>[A-Za-z0-9_-]{1,30})(?![\w-])"
    r"|(?<!\w)@(?P<user>[A-Za-z0-9_]{3,30})(?!\w)"
)
_LETTER_RE = re.compile(r"[A-Za-z]")
_USERNAME_RE = re.compile(r"[A-Za-z0-9_]{3,30}")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Browsers ignore these inside a scheme (`java\tscript:`), so the check must ignore them too.
_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f]+")
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = frozenset({"https"})
_ALIGN_RE = re.compile(r"text-align:(left|center|right)")
_ENV_KEY = "devthread_refs"


@dataclass(frozen=True)
class Rendered:
    """The outputs of one render: HTML to store and show, text to index, tags and mentions."""

    html: str  # sanitized: safe to mark |safe in a template
    text: str  # plain text, NOT escaped: for indexing and <meta name=description> (escape it)
    tags: list[str]  # lower-case, unique, in order of first appearance
    mentions: list[str]  # canonical usernames the resolver knew, unique, in order


@dataclass
class _Refs:
    resolve_mentions: MentionResolver | None = None
    tags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)


def render_markdown(
    source: str,
    *,
    resolve_mentions: MentionResolver | None = None,
    local_images: LocalImages | None = None,
) -> Rendered:
    """Render Markdown to sanitized HTML, plain text, its tags and its resolved mentions."""
    refs = _Refs(resolve_mentions=resolve_mentions)
    tokens = _MD.parse(_clean_source(source), {_ENV_KEY: refs})
    _adjust_tokens(tokens)
    if local_images is not None:
        _swap_local_images(tokens, local_images)
    html = _MD.renderer.render(tokens, _MD.options, {})
    return Rendered(
        html=_sanitize(html),
        text=_plain_text(tokens),
        tags=refs.tags,
        mentions=refs.mentions,
    )


def extract_tags(source: str) -> list[str]:
    """Return the hashtags of a Markdown body, by the same rules as render_markdown."""
    refs = _Refs()
    # Parsing is needed to skip code and links; highlighting and sanitizing are not.
    _MD.parse(_clean_source(source), {_ENV_KEY: refs})
    return refs.tags


def _clean_source(source: str) -> str:
    # Strings decoded from JSON can hold lone surrogates, which cannot be encoded to UTF-8
    # (the database, the response) and would fail far from here.
    if _SURROGATE_RE.search(source):
        source = source.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    # markdown-it replaces NUL too (CommonMark says so); doing it here keeps `text` safe for
    # PostgreSQL even if that ever changes.
    return source.replace("\0", "\ufffd")


def _is_safe_url(url: str, schemes: frozenset[str]) -> bool:
    # Decode first, so percent-encoding and stray whitespace cannot hide a scheme.
    probe = _URL_NOISE_RE.sub("", unquote(url))
    match = _SCHEME_RE.match(probe)
    return match is None or match.group(1).lower() in schemes


# --- hashtags and mentions, on the token stream ---------------------------------------------


@dataclass
class _Ref:
    start: int
    end: int
    kind: str  # "tag" or "user"
    value: str  # lower-cased tag or username


def _refs_rule(state: StateCore) -> None:
    refs = state.env.get(_ENV_KEY)
    if not isinstance(refs, _Refs):
        return
    found: list[tuple[Token, dict[int, list[_Ref]]]] = []
    # Dicts as ordered sets: first appearance wins, and membership stays cheap on long posts.
    tags: dict[str, None] = {}
    candidates: dict[str, None] = {}
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        per_child = _scan_children(block.children)
        if not per_child:
            continue
        found.append((block, per_child))
        for matches in per_child.values():
            for ref in matches:
                (tags if ref.kind == "tag" else candidates)[ref.value] = None

    resolved = _resolve(refs.resolve_mentions, list(candidates))
    refs.tags = list(tags)
    refs.mentions = list(dict.fromkeys(resolved[name] for name in candidates if name in resolved))
    for block, per_child in found:
        block.children = _link_refs(block.children or [], per_child, resolved)


def _scan_children(children: Sequence[Token]) -> dict[int, list[_Ref]]:
    """Find tags and mention candidates in the text tokens that are outside links."""
    per_child: dict[int, list[_Ref]] = {}
    link_depth = 0
    previous = " "
    for index, child in enumerate(children):
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth = max(link_depth - 1, 0)
        elif child.type == "text" and link_depth == 0 and child.content:
            matches = _scan_text(child.content, previous)
            if matches:
                per_child[index] = matches
        # Escapes and entities (text_special) are never scanned, so `\#1` or `&#35;x` stay
        # literal, but their character still counts as what precedes the next text.
        if child.type in ("text", "text_special") and child.content:
            previous = child.content[-1]
        else:
            previous = " "
    return per_child


def _scan_text(text: str, previous: str) -> list[_Ref]:
    matches = []
    # The preceding character belongs to another token: prefix it so the lookbehinds see it,
    # and start searching after it so no match can begin inside it.
    for match in _REF_RE.finditer(previous + text, 1):
        tag, user = match.group("tag"), match.group("user")
        start, end = match.start() - 1, match.end() - 1
        if tag is not None:
            if _LETTER_RE.search(tag):
                matches.append(_Ref(start, end, "tag", tag.lower()))
        else:
            matches.append(_Ref(start, end, "user", user.lower()))
    return matches


def _resolve(resolver: MentionResolver | None, candidates: list[str]) -> dict[str, str]:
    if resolver is None or not candidates:
        return {}
    answer = resolver(set(candidates))
    resolved = {}
    for name in candidates:
        canonical = answer.get(name)
        # The canonical name goes into an href: accept only a real username for this candidate.
        if (
            isinstance(canonical, str)
            and _USERNAME_RE.fullmatch(canonical)
            and canonical.lower() == name
        ):
            resolved[name] = canonical
    return resolved


def _link_refs(
    children: list[Token], per_child: dict[int, list[_Ref]], resolved: dict[str, str]
) -> list[Token]:
    result: list[Token] = []
    for index, child in enumerate(children):
        matches = per_child.get(index)
        if not matches:
            result.append(child)
            continue
        text, last = child.content, 0
        for ref in matches:
            if ref.kind == "tag":
                href, css, label = f"/tags/{ref.value}", "hashtag", text[ref.start : ref.end]
            elif ref.value in resolved:
                username = resolved[ref.value]
                href, css, label = f"/u/{quote(username)}", "mention", f"@{username}"
            else:
                continue
            if ref.start > last:
                result.append(_text_token(text[last : ref.start], child.level))
            result.extend(_link_tokens(href, css, label, child.level))
            last = ref.end
        if last < len(text):
            result.append(_text_token(text[last:], child.level))
    return result


def _text_token(content: str, level: int) -> Token:
    return Token("text", "", 0, content=content, level=level)


def _link_tokens(href: str, css: str, label: str, level: int) -> list[Token]:
    return [
        Token("link_open", "a", 1, attrs={"href": href, "class": css}, markup=css, level=level),
        _text_token(label, level + 1),
        Token("link_close", "a", -1, markup=css, level=level),
    ]


# --- block adjustments and plain text -------------------------------------------------------


def _adjust_tokens(tokens: list[Token]) -> None:
    """Shift headings, move table alignment to classes and drop images we will not load."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # The page owns its h1.
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            align = _ALIGN_RE.fullmatch(str(style or ""))
            if align:
                token.attrSet("class", f"align-{align.group(1)}")
        elif token.type == "inline" and token.children:
            token.children = [_checked_image(child) for child in token.children]


def _checked_image(token: Token) -> Token:
    if token.type != "image" or _is_safe_url(str(token.attrGet("src") or ""), _IMAGE_SCHEMES):
        return token
    # Plain http images would be mixed content: show what the image was meant to say.
    return _text_token(_inline_text(token.children or []), token.level)


def _swap_local_images(tokens: list[Token], local_images: LocalImages) -> None:
    """Replace uploaded pictures (`/media/...`) by the markup the media domain makes."""
    found: list[Token] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            found += [
                child
                for child in token.children
                if child.type == "image"
                and str(child.attrGet("src") or "").startswith(_LOCAL_IMAGE_PREFIX)
            ]
    if not found:
        return
    markup = local_images([(str(t.attrGet("src")), _inline_text(t.children or [])) for t in found])
    for token, html in zip(found, markup, strict=True):
        if html is not None:
            # Rendered as is, then sanitized with everything else (srcset checked there).
            token.type, token.content, token.children = "html_inline", html, None


def _inline_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)


def _plain_text(tokens: Sequence[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())


# --- code blocks ----------------------------------------------------------------------------

_LEXER_NAMES = {
    alias.lower(): name
    for name, aliases, _, _ in get_all_lexers(plugins=False)
    for alias in aliases
}
_FORMATTER = HtmlFormatter(nowrap=True)


@cache
def _lexer(name: str) -> Lexer:
    # Keyed by lexer name, a closed set, so the cache cannot grow with user input.
    # startinline: PHP snippets in posts rarely open with `<?php`; other lexers ignore it.
    return find_lexer_class(name)(stripnl=False, ensurenl=True, startinline=True)


def _highlight(code: str, info: str) -> str:
    words = unescapeAll(info).split(maxsplit=1)
    name = _LEXER_NAMES.get(words[0].lower()) if words else None
    if name is None:
        # No guessing: guess_lexer tries every lexer and is slow on long code.
        return f'<pre class="highlight"><code>{escapeHtml(code)}</code></pre>\n'
    lexer = _lexer(name)
    body = highlight(code, lexer, _FORMATTER)
    return f'<pre class="highlight"><code class="language-{lexer.aliases[0]}">{body}</code></pre>\n'


def _render_fence(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: MutableMapping[str, Any]
) -> str:
    return _highlight(tokens[idx].content, tokens[idx].info)


def _render_code_block(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: MutableMapping[str, Any]
) -> str:
    return _highlight(tokens[idx].content, "")


# --- the parser and the sanitizer, built once -----------------------------------------------


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "xhtmlOut": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Fuzzy links would turn every `setup.py` or `main.rs` into a link to a domain.
    md.linkify.set({"fuzzy_link": False})
    md.use(tasklists_plugin, enabled=False)
    md.validateLink = lambda url: _is_safe_url(url, _LINK_SCHEMES)
    # After linkify, so bare URLs are already links; before text_join, so escaped `\#` and
    # entities are still separate tokens that the rule can leave alone.
    md.core.ruler.before("text_join", "devthread_refs", _refs_rule)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    return md


_ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
_CLASSES: dict[str, frozenset[str]] = {
    "a": frozenset({"hashtag", "mention"}),
    "pre": frozenset({"highlight"}),
    "code": frozenset(
        f"language-{aliases[0]}" for _, aliases, _, _ in get_all_lexers(plugins=False) if aliases
    ),
    "span": frozenset({"media-removed", *(css for css in STANDARD_TYPES.values() if css)}),
    "img": frozenset({"media"}),
    "ul": frozenset({"contains-task-list"}),
    "ol": frozenset({"contains-task-list"}),
    "li": frozenset({"task-list-item"}),
    "input": frozenset({"task-list-item-checkbox"}),
    "th": _ALIGN_CLASSES,
    "td": _ALIGN_CLASSES,
}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        # Done here rather than with nh3's allowed_classes, which the nh3 versions that
        # pyproject.toml admits (>=0.2.17) do not all have.
        kept = [css for css in value.split() if css in _CLASSES.get(tag, ())]
        return " ".join(kept) or None
    if tag == "img" and attribute == "src" and not _is_safe_url(value, _IMAGE_SCHEMES):
        return None
    if attribute == "srcset":
        # Only uploaded pictures carry a srcset (the media domain's markup).
        return value if _LOCAL_SRCSET_RE.fullmatch(value) else None
    return value


_LOCAL_SRCSET_RE = re.compile(
    r"/media/[0-9a-f]{64}(?:-[0-9]+)?\.(?:jpg|png|gif|webp)(?: [0-9]+w)?"
    r"(?:, /media/[0-9a-f]{64}(?:-[0-9]+)?\.(?:jpg|png|gif|webp)(?: [0-9]+w)?)*"
)


_SANITIZER_OPTIONS: dict[str, Any] = {
    "tags": {
        *("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote"),
        *("strong", "em", "del", "s", "code", "pre", "span", "a", "img", "input"),
        *("picture", "source"),
        *("ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"),
    },
    # "*" replaces nh3's generic defaults (lang, title) with nothing.
    "attributes": {
        "*": set(),
        **{tag: {"class"} for tag in _CLASSES},
        "a": {"href", "title", "class"},
        "img": {"src", "alt", "title", "class", "width", "height", "srcset", "sizes"},
        "source": {"srcset", "type", "sizes"},
        "input": {"checked", "class"},
        "ol": {"start", "class"},
    },
    # Forced values: an input can only ever be a disabled checkbox.
    "set_tag_attribute_values": {
        "img": {"loading": "lazy"},
        "input": {"type": "checkbox", "disabled": "disabled"},
    },
    "url_schemes": set(_LINK_SCHEMES),
    "link_rel": "nofollow ugc noopener",
    "attribute_filter": _filter_attribute,
    "strip_comments": True,
}


def _sanitize(html: str) -> str:
    """Keep only the allowlisted tags, attributes, classes and URL schemes."""
    return nh3.clean(html, **_SANITIZER_OPTIONS)


ImageRewrite = Callable[[str], str | None]


def rewrite_image_sources(html: str, rewrite: ImageRewrite) -> str:
    """Pass every image address of rendered HTML through ``rewrite`` (None leaves it out)."""
    if "<img" not in html:
        return html  # most posts: no parsing at all

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        kept = _filter_attribute(tag, attribute, value)
        if kept is not None and tag == "img" and attribute == "src":
            return rewrite(kept)
        return kept

    # The same allowlist again, so the stored HTML comes out as it went in but for the images.
    return nh3.clean(html, **{**_SANITIZER_OPTIONS, "attribute_filter": attribute_filter})


_MD = _build_parser()
