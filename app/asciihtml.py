"""Pages written in ASCII: every other character as a numeric character reference.

Python keeps a string in one byte per character while all of it is ASCII, in four once a single
emoji is in it; every join then widens each piece, and encoding the page is a conversion, not a
copy. A 110 KB home page with its reaction emoji cost about 0.2-0.4 ms of CPU more per request
in its joins and its encoding than the same page in ASCII (issue 13). So what the pages are made
of is written in ASCII where it is made, once: the templates' own text when they are compiled,
the messages of ``_()`` and every ``{{ }}`` in HTML templates, and the cards and page pieces
kept by app.cards. A browser reads ``&#128077;`` as the character itself, in text and in
attribute values alike (the templates hold no other characters inside ``<script>`` or
``<style>``, where it would not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import pass_context, pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape


def ascii_html(html: str) -> str:
    """Return markup with each non-ASCII character as a numeric character reference."""
    if html.isascii():  # constant time: CPython keeps whether a string is ASCII
        return html
    return html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def ascii_markup(html: str) -> Markup:
    """Return ``ascii_html`` of trusted markup, as Markup."""
    return Markup(ascii_html(html))


@pass_eval_context
def ascii_output(eval_ctx: EvalContext, value: Any) -> Any:
    """Write what a ``{{ }}`` of an HTML template outputs in ASCII (Jinja's ``finalize``)."""
    if not eval_ctx.autoescape:
        return value  # a text template (mail) writes its characters
    if isinstance(value, str):
        if value.isascii():
            return value
        # Escaped as autoescape would (plain text), kept as it is (markup), then referenced.
        return ascii_markup(value if isinstance(value, Markup) else escape(value))
    if hasattr(value, "__html__"):  # a form field, a label: markup it makes itself
        # As Markup either way: __html__ may answer a plain str, which must not be escaped.
        html = value.__html__()
        return Markup(html) if html.isascii() else ascii_markup(html)
    return value  # numbers, None and the like: written as before


class AsciiTemplates(Extension):
    """Write the text of HTML templates (not their expressions) in ASCII as they are compiled."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        """Turn the non-ASCII characters of an HTML template's data into character references."""
        if not (stream.name or "").endswith(".html"):
            yield from stream  # text templates (mail) keep their characters
            return
        for token in stream:
            if token.type == "data" and not token.value.isascii():
                token = Token(token.lineno, token.type, ascii_html(token.value))
            yield token


# The name a page's render context holds its catalogue under (app.web's context processor).
CATALOGUE = "_page_catalogue"
_KEPT_MAX = 5000  # messages kept per catalogue: the templates' own, with room to spare


def install_gettext(environment: Any, translations: Callable[[], Any]) -> None:
    """Give templates ``_()`` and its kin; in HTML (autoescaped) they answer in ASCII.

    A message without values is formatted once per catalogue and kept: each ``_()`` of a page
    went through Jinja's alias, the request's catalogue lookup, the format and the ASCII pass,
    66 Python calls, and a page has 30 to 60 of them (bench/pages.py).
    """
    environment.newstyle_gettext = True  # what install_gettext_callables(newstyle=True) sets

    def catalogue(context: Context) -> Any:
        # The page's render context holds it (app.web); a macro rendered without
        # the request's context (the kept cards) looks it up.
        return context.get(CATALOGUE) or translations()

    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        messages = catalogue(__context)
        if variables or not __context.eval_ctx.autoescape:
            return _finish(__context, messages.ugettext(__string), variables)
        kept = _kept(messages)
        text = kept.get(__string)
        if text is None:
            text = _finish(__context, messages.ugettext(__string), variables)
            if len(kept) < _KEPT_MAX:  # a template may pass text of its own: bounded
                kept[__string] = text
        return text

    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        text = catalogue(__context).ungettext(__singular, __plural, __num)
        return _finish(__context, text, variables)

    @pass_context
    def pgettext(__context: Context, __string_ctx: str, __string: str, **variables: Any) -> str:
        variables.setdefault("context", __string_ctx)
        return _finish(__context, catalogue(__context).upgettext(__string_ctx, __string), variables)

    @pass_context
    def npgettext(
        __context: Context,
        __string_ctx: str,
        __singular: str,
        __plural: str,
        __num: int,
        **variables: Any,
    ) -> str:
        variables.setdefault("context", __string_ctx)
        variables.setdefault("num", __num)
        text = catalogue(__context).unpgettext(__string_ctx, __singular, __plural, __num)
        return _finish(__context, text, variables)

    # Jinja's newstyle wrappers (jinja2.ext), with the answer in ASCII where it is markup. ``_``
    # is gettext itself, not Jinja's alias that looks "gettext" up in the context on each call.
    environment.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
    )


def _kept(messages: Any) -> dict[str, str]:
    """Return the formatted HTML messages kept with one catalogue."""
    kept = messages.__dict__.get("_ascii_markup")
    if kept is None:
        kept = messages.__dict__["_ascii_markup"] = {}
    return kept


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    """Format a message as Jinja's newstyle gettext does; in HTML, in ASCII."""
    if context.eval_ctx.autoescape:
        # Formatted first: the values are escaped as they go in, then all of it is markup.
        return ascii_markup(Markup(text) % variables)
    return text % variables
