"""The Markdown pipeline of posts and comments: rendering, safety, tags, mentions, code styles."""

from __future__ import annotations

import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

from app.posts.markdown import Rendered, extract_tags, render_markdown

ROOT = Path(__file__).resolve().parent.parent
USERS = {"alice": "Alice", "bob_2": "bob_2", "carol": "CAROL"}
ALLOWED_TAGS = {
    *("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "strong", "em", "del", "s"),
    *("code", "pre", "span", "a", "img", "input", "ul", "ol", "li"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
SAFE_URL = re.compile(r"^(https?:|mailto:|/|#|\.|[^:/?#]*([/?#]|$))", re.IGNORECASE)


def resolver(names: set[str]) -> dict[str, str]:
    return {name: USERS[name] for name in names if name in USERS}


def render(source: str) -> Rendered:
    return render_markdown(source, resolve_mentions=resolver)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_safe(html: str) -> None:
    """Check the output the way a browser would read it, not by searching strings."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-")), (tag, name)
            assert name not in ("style", "id", "target", "srcdoc", "formaction"), (tag, name)
            if name in ("href", "src"):
                assert value is not None
                assert SAFE_URL.match(re.sub(r"[\x00-\x20]", "", value)), (tag, value)
        if tag == "input":
            assert attrs.get("type") == "checkbox" and "disabled" in attrs
        src = attrs.get("src") if tag == "img" else None
        if src is not None:
            # Images: https or relative only (plain http would be mixed content).
            assert src.startswith("https://") or not re.match(r"[a-z][a-z0-9+.-]*:", src, re.I)


def links(html: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


# --- CommonMark and its extensions ----------------------------------------------------------


def test_commonmark_basics_render() -> None:
    html = render("Some *em* and **strong** and `code`.\n\n> quoted\n\n1. one\n2. two\n\n---").html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html and "<ol>" in html and "<hr>" in html


def test_ordered_list_keeps_its_start() -> None:
    assert '<ol start="3">' in render("3. three\n4. four").html


def test_table_renders_with_alignment_as_classes() -> None:
    html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |").html
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    assert "style" not in html


def test_strikethrough() -> None:
    assert "<s>gone</s>" in render("~~gone~~").html


def test_task_list_items_are_disabled_checkboxes() -> None:
    html = render("- [ ] todo\n- [x] done\n- plain").html
    inputs = [attrs for tag, attrs in elements(html) if tag == "input"]
    assert len(inputs) == 2
    assert all(a["type"] == "checkbox" and "disabled" in a for a in inputs)
    assert "checked" not in inputs[0] and "checked" in inputs[1]
    assert '<ul class="contains-task-list">' in html
    assert_safe(html)


def test_bare_urls_become_links() -> None:
    html = render("See https://example.com/docs?a=1 now").html
    assert links(html)[0]["href"] == "https://example.com/docs?a=1"


def test_file_names_do_not_become_links() -> None:
    # Fuzzy linking would make "setup.py" a link to the domain setup.py.
    assert "<a" not in render("Edit setup.py and main.rs").html


def test_angle_bracket_autolink() -> None:
    assert links(render("<https://example.com>").html)[0]["href"] == "https://example.com"


# --- code ---------------------------------------------------------------------------------


def test_python_is_highlighted() -> None:
    html = render('```python\ndef f(x):  # note\n    return "<b>"\n```').html
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="c1"># note</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_javascript_is_highlighted_and_aliases_resolve() -> None:
    html = render("```js\nconst x = 1;\n```").html
    assert 'class="language-javascript"' in html
    assert '<span class="kd">const</span>' in html
    assert 'class="language-python"' in render("```py\nx = 1\n```").html


def test_unknown_or_missing_language_is_plain_escaped_code() -> None:
    for source in ("```nosuchlang\n<script>x</script>\n```", "```\n<script>x</script>\n```"):
        html = render(source).html
        assert html.startswith('<pre class="highlight"><code>&lt;script&gt;x&lt;/script&gt;')
        assert "<span" not in html


def test_indented_code_is_plain() -> None:
    html = render("    <i>x</i>").html
    assert html.startswith('<pre class="highlight"><code>&lt;i&gt;x&lt;/i&gt;')


def test_info_string_cannot_inject_attributes() -> None:
    html = render('```python" onmouseover="alert(1)\nx\n```').html
    assert "onmouseover" not in html
    assert_safe(html)


def test_leading_blank_lines_of_code_are_kept() -> None:
    assert "<code>\nx" in render("```\n\nx\n```").html


# --- safety ---------------------------------------------------------------------------------

XSS_VECTORS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="/x" hx-get="/admin" hx-trigger="load">x</a>',
    '<div hx-post="/api/v1/posts" hx-trigger="load" data-hx-post="/x">x</div>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="position:fixed;top:0">x</p>',
    '<a href="https://ok.example" style="color:red" target="_blank">x</a>',
    "<form action=/x><button formaction=javascript:alert(1)>x</button></form>",
    "<!-- comment --><math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
]


@pytest.mark.parametrize("source", XSS_VECTORS)
def test_xss_vectors_come_out_inert(source: str) -> None:
    html = render(source).html
    assert_safe(html)
    assert "javascript:" not in [a.get("href") for a in links(html)]
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html


SANITIZER_VECTORS = [
    '<p style="color:red" onclick="x" hx-get="/x" data-hx-post="/y" id="main" lang="en">p</p>',
    '<a href="javascript:alert(1)" class="hashtag evil" target="_blank">a</a>',
    '<a href=" JaVa&#x09;ScRiPt:alert(1)">a</a>',
    '<img src="http://img.example/a.png" onerror="x"><img src="data:image/png;base64,AA==">',
    '<input type="text" name="q"><input type="checkbox" autofocus onfocus="x">',
    "<h1>h</h1><script>alert(1)</script><style>*{}</style><iframe></iframe><svg onload=x>",
    '<span class="k evil">k</span><code class="language-python language-x">c</code>',
]


@pytest.mark.parametrize("html", SANITIZER_VECTORS)
def test_sanitizer_alone_strips_what_markdown_never_emits(html: str) -> None:
    # The parser never produces these (raw HTML is off); the sanitizer is the second wall and
    # must hold on its own, so it is tested without the parser in front of it.
    from app.posts.markdown import _sanitize

    cleaned = _sanitize(html)
    assert_safe(cleaned)
    assert "<h1" not in cleaned and "evil" not in cleaned and "language-x" not in cleaned


def test_raw_html_is_shown_as_text() -> None:
    html = render('<b onclick="x">bold</b> <div hx-post="/x">d</div>').html
    assert "&lt;b onclick=" in html and "&lt;div hx-post=" in html
    assert "<b" not in html and "<div" not in html


def test_every_link_is_nofollow_ugc_noopener() -> None:
    html = render(
        "[a](https://example.com) https://example.org [b](/local) <mailto:a@b.example> #tag"
    ).html
    found = links(html)
    assert len(found) == 5
    assert all(a["rel"] == "nofollow ugc noopener" for a in found)
    assert all("target" not in a for a in found)


def test_relative_and_mailto_links_are_kept() -> None:
    hrefs = [a["href"] for a in links(render("[a](/x) [b](../y) [c](mailto:a@b.example)").html)]
    assert hrefs == ["/x", "../y", "mailto:a@b.example"]


def test_https_images_are_lazy_and_http_images_become_their_alt_text() -> None:
    html = render('![logo](https://img.example/a.png "T") ![old](http://img.example/b.png)').html
    images = [attrs for tag, attrs in elements(html) if tag == "img"]
    assert images == [
        {"src": "https://img.example/a.png", "alt": "logo", "title": "T", "loading": "lazy"}
    ]
    assert "old" in html and "http://img.example" not in html


def test_relative_images_are_kept() -> None:
    assert '<img src="/static/img/favicon.svg"' in render("![i](/static/img/favicon.svg)").html


# --- headings -------------------------------------------------------------------------------


def test_headings_shift_down_one_level() -> None:
    html = render("# One\n\n## Two\n\n##### Five\n\n###### Six\n\nSetext\n======").html
    assert "<h1" not in html
    assert "<h2>One</h2>" in html and "<h3>Two</h3>" in html
    assert "<h6>Five</h6>" in html and "<h6>Six</h6>" in html
    assert "<h2>Setext</h2>" in html


# --- tags -----------------------------------------------------------------------------------


def test_tags_are_links_and_lower_case() -> None:
    result = render("Learning #Python and #rust-lang_2 today")
    assert result.tags == ["python", "rust-lang_2"]
    assert '<a href="/tags/python" class="hashtag" rel="nofollow ugc noopener">#Python</a>' in (
        result.html
    )


@pytest.mark.parametrize(
    "source",
    [
        "issue #1",
        "issue #123",
        "#_ and #--",
        "see https://example.com/page#section",
        "path foo/#bar",
        "C# and F#",
        "AT&#T",
        "`#incode`",
        "```\n#incode\n```",
        "    #indented",
        "[#inlink](https://example.com)",
        "![#inalt](https://img.example/a.png)",
        "\\#escaped",
        "&#35;entity",
        "#" + "a" * 31,
        "#café",
        "word#tag",
    ],
)
def test_not_a_tag(source: str) -> None:
    assert render(source).tags == []
    assert extract_tags(source) == []


def test_tags_are_unique_in_order_of_first_appearance() -> None:
    source = "#b #A #b #a **#c** # heading-ish #C"
    assert render(source).tags == ["b", "a", "c"]


def test_thirty_character_tag_is_a_tag() -> None:
    assert render("#" + "a" * 30).tags == ["a" * 30]


def test_tags_after_markup_and_punctuation() -> None:
    assert render("(#one), *#two*, #three.").tags == ["one", "two", "three"]


def test_tags_in_headings_and_tables() -> None:
    assert render("## About #flask\n\n| #htmx |\n|---|\n| x |").tags == ["flask", "htmx"]


def test_extract_tags_matches_render() -> None:
    source = "# Hi #Flask\n\n`#no` #1 [#no](/x) #htmx #FLASK http://x.example/#no"
    assert extract_tags(source) == render(source).tags == ["flask", "htmx"]


# --- mentions -------------------------------------------------------------------------------


def test_known_mentions_link_with_canonical_spelling() -> None:
    result = render("Thanks @alice and @CAROL and @ALICE and @nobody")
    assert result.mentions == ["Alice", "CAROL"]
    assert '<a href="/u/Alice" class="mention" rel="nofollow ugc noopener">@Alice</a>' in (
        result.html
    )
    assert "@nobody" in result.html and "/u/nobody" not in result.html


def test_resolver_gets_lower_cased_candidates_once() -> None:
    calls: list[set[str]] = []

    def spy(names: set[str]) -> dict[str, str]:
        calls.append(names)
        return resolver(names)

    render_markdown("@Alice @alice @Bob_2 @zed\n\n> @carol", resolve_mentions=spy)
    assert calls == [{"alice", "bob_2", "zed", "carol"}]


def test_resolver_is_not_called_without_candidates() -> None:
    def fail(names: set[str]) -> dict[str, str]:
        raise AssertionError("called")

    assert render_markdown("no one here, `@alice`", resolve_mentions=fail).mentions == []


def test_without_resolver_no_mention_is_linked() -> None:
    result = render_markdown("hi @alice")
    assert result.mentions == [] and "<a" not in result.html


@pytest.mark.parametrize(
    "source",
    [
        "mail alice@example.com",
        "`@alice`",
        "```\n@alice\n```",
        "[@alice](https://example.com)",
        "\\@alice",
        "@al",
        "@" + "a" * 31,
        "x@alice",
    ],
)
def test_not_a_mention(source: str) -> None:
    result = render_markdown(source, resolve_mentions=lambda names: {n: n for n in names})
    assert result.mentions == []
    assert "/u/" not in result.html


def test_resolver_answers_that_are_not_the_candidate_are_ignored() -> None:
    result = render_markdown(
        "@alice @bob_2", resolve_mentions=lambda names: {"alice": "mallory", "bob_2": "b/../x"}
    )
    assert result.mentions == [] and "<a" not in result.html


def test_mention_followed_by_punctuation() -> None:
    assert render("cc @alice, @bob_2.").mentions == ["Alice", "bob_2"]


# --- plain text -----------------------------------------------------------------------------


def test_text_is_plain_with_whitespace_collapsed() -> None:
    result = render(
        "# Title #Go\n\nSome   *text*\nwith [a link](/x).\n\n```python\nprint(1)\n```\n\n- [ ] task"
    )
    assert result.text == "Title #Go Some text with a link. print(1) task"


def test_text_keeps_raw_html_as_text() -> None:
    assert render("a <b>c</b>").text == "a <b>c</b>"


# --- hostile input --------------------------------------------------------------------------

PATHOLOGICAL = {
    "nested quotes": ">" * 10_000,
    "open brackets": "[" * 10_000,
    "image openers": "![" * 5_000,
    "balanced brackets": "[" * 5_000 + "]" * 5_000,
    "link openers": "[a](" * 2_500,
    "emphasis": "*a**" * 2_500,
    "underscores": "_a" * 5_000,
    "backticks": "`" * 10_000,
    "angle brackets": "<" * 10_000,
    "nested lists": "- " * 5_000,
    "indented lists": "".join("  " * i + "- a\n" for i in range(200)),
    "pipes": "|" * 10_000,
    "long table": "|a|\n|-|\n" + "|x|\n" * 2_500,
    "task list": "- [ ] a\n" * 1_250,
    "tags": "#a " * 3_333,
    "mentions": "@alice " * 1_428,
    "urls": "https://a.example/ " * 500,
    "long word": "x" * 10_000,
    "unclosed fence": "```python\n" + "'''\"\"\"" * 1_600,
    "entities": "&#35;&amp;" * 1_000,
    "unique tags and mentions": " ".join(f"#t{i} @u{i:03d}" for i in range(1_000))[:10_000],
}


@pytest.mark.parametrize("source", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_returns(source: str) -> None:
    result = render(source)
    assert isinstance(result.html, str)
    assert_safe(result.html)


@pytest.mark.parametrize(
    "source",
    [
        "\0",
        "a\0b #t\0ag @ali\0ce",
        "lone \ud800 high and \udfff low",
        "#tag\ud83d",
        "```python\nx = '\udc00'\n```",
        "[x](/a\ud800b)",
        "\ud83d\ude00 pair of halves",
    ],
)
def test_nul_and_lone_surrogates_do_not_crash(source: str) -> None:
    result = render(source)
    for value in (result.html, result.text, *result.tags, *result.mentions):
        value.encode("utf-8")  # would raise on a surrogate
        assert "\0" not in value
    assert extract_tags(source) == result.tags


def test_surrogate_pair_halves_are_joined() -> None:
    assert "\U0001f600" in render("\ud83d\ude00").text


# --- code.css -------------------------------------------------------------------------------


def _css_builder() -> ModuleType:
    # scripts/ is not a package; dataclasses need the module registered while it loads.
    path = ROOT / "scripts" / "build_code_css.py"
    spec = importlib.util.spec_from_file_location("build_code_css", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_code_css_is_up_to_date_and_meets_contrast() -> None:
    builder = _css_builder()
    css, themes = builder.build_css()
    assert (ROOT / "static/css/code.css").read_text(encoding="utf-8") == css
    assert all(theme.lowest >= builder.AA for theme in themes)
    assert "@media (prefers-color-scheme: dark)" in css


def test_contrast_fix_moves_a_failing_colour_just_past_aa() -> None:
    builder = _css_builder()
    assert builder.contrast("#bbbbbb", "#ffffff") < builder.AA
    fixed = builder.passing("#bbbbbb", "#ffffff")
    assert builder.AA <= builder.contrast(fixed, "#ffffff") < builder.AA + 0.2
    on_dark = builder.passing("#333333", "#0d1117")
    assert builder.contrast(on_dark, "#0d1117") >= builder.AA
