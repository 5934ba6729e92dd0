"""Post and comment cards: rendered once per version, then filled in for each reader.

A card's markup depends on the post (body, counts, author, tags), the locale and the reader's
relation to it (signed out, a reader, its author); what differs from one reader to the next (my
reactions, my bookmark, the page's CSRF token) and the relative time, which changes with the
clock, are slots: markers left in the cached markup and replaced by a string substitution.
Measured on the 1M-post set (bench/pages.py): a 20-post signed-in home page cost 30 ms of CPU,
nearly all of it in rendering its cards; a card cache hit is a dictionary lookup and a join.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from babel.dates import format_timedelta
from flask import current_app, g
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from app.asciihtml import ascii_html
from app.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES
from app.posts.models import REACTION_KINDS, Post
from app.posts.queries import CommentView, PostView
from app.timeutil import isoformat, utcnow
from app.web import page_csrf_token

# A slot marker holds a NUL (which Markdown turns into U+FFFD and names cannot hold, see
# unmarked) and a token drawn per process that never leaves it: no user text can forge one.
MARK = f"\x00{secrets.token_hex(8)}:"
END = "\x00"
DEFAULT_SIZE = 2000  # cards kept per process (CARD_CACHE_SIZE): about 5 KB each

# The footer's language form: each language in its own name.
LANGUAGE_CHOICES = tuple((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES)

# Part tuples: static markup at even indexes, slot names at odd ones.
Parts = tuple[str, ...]


class Template(NamedTuple):
    """A kept card: its parts (static markup and slot names alternating) and the slots' names."""

    parts: Parts
    names: tuple[str, ...]


class CardCache:
    """A bounded least-recently-used map from a card's key to its parts."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Template] = OrderedDict()

    def get(self, key: Hashable) -> Template | None:
        """Return the card's parts, or None if it was never rendered or was dropped."""
        parts = self._items.get(key)
        if parts is not None:
            # Not contextlib.suppress: a context manager per card cost more than the card's fill.
            try:  # noqa: SIM105
                self._items.move_to_end(key)
            except KeyError:  # another thread (flask run serves with threads) dropped it
                pass
        return parts

    def put(self, key: Hashable, parts: Template) -> None:
        """Keep the card's parts, dropping the least recently used beyond the size."""
        self._items[key] = parts
        while len(self._items) > self.size:
            try:
                self._items.popitem(last=False)
            except KeyError:  # emptied by another thread
                break

    def clear(self) -> None:
        """Forget every card (tests start each from nothing)."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


cache = CardCache()


def slot(name: str) -> Markup:
    """Leave a marker that each reader's values replace (a template global)."""
    return Markup(f"{MARK}{name}{END}")


def time_tag(value: datetime) -> Markup:
    """Render a card's time: exact in the card, relative ("3 hours ago") in a slot."""
    exact = escape(format_datetime(value, "medium"))
    return (
        Markup(f'<time datetime="{isoformat(value)}" title="{exact}" data-relative>')
        + slot("ago")
        + Markup("</time>")
    )


def as_datetime(value: datetime | str | None) -> datetime | None:
    """Accept a datetime or the API's ISO string (socket payloads) for the same templates."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def unmarked(value: str) -> str:
    """Replace NUL in user text: markers are made of it, so no text can end one early."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def split(html: str) -> Parts:
    """Cut rendered markup at its slot markers: static text and slot names alternate."""
    pieces = html.split(MARK)
    parts = [pieces[0]]
    for piece in pieces[1:]:
        name, _sep, rest = piece.partition(END)
        parts.extend((name, rest))
    return tuple(parts)


def compile_card(html: str) -> Template:
    """Compile rendered markup with slot markers into a Template that ``fill`` completes."""
    # In ASCII (app/asciihtml.py): one emoji in a card made the whole page four bytes a character.
    parts = tuple(ascii_html(part) for part in split(html))
    return Template(parts, parts[1::2])


def fill(card: Template, values: dict[str, str]) -> str:
    """Return a card with this reader's value in each slot."""
    # The values go over the slots' names in a copy of the parts, and one join copies it all:
    # 2-3 us a card, against 20-25 us for str.format, which parses its 6 KB format string on
    # every call (the largest single cost of the home page's cards: py-spy on gunicorn).
    parts = list(card.parts)
    parts[1::2] = map(values.__getitem__, card.names)
    return "".join(parts)


def cached(key: Hashable, render: Callable[[], str]) -> Template:
    """Return the card from the cache, rendering and keeping it on a miss."""
    card = cache.get(key)
    if card is None:
        card = compile_card(render())
        cache.put(key, card)
    return card


def _macro(name: str) -> Any:
    """Return a macro of templates/_cards.html, rendered without the request's context."""
    # Without context on purpose: a card must not read current_user, or one reader's card
    # would be served to the next.
    return getattr(current_app.jinja_env.get_template("_cards.html").module, name)


# --- relative times --------------------------------------------------------------------------

_UNITS = (
    ("year", 3600 * 24 * 365),
    ("month", 3600 * 24 * 30),
    ("week", 3600 * 24 * 7),
    ("day", 3600 * 24),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


# Babel's wording depends only on the sign, the unit it picks and the rounded amount: the first
# time of each (with the locale) is formatted by Babel, the next ones are a lookup.
_relative: dict[tuple[bool, str, int, str], str] = {}


def relative_time(value: datetime, now: datetime, locale: str | None = None) -> str:
    """Say how long ago ``value`` was, as Babel would, with "just now" under 45 seconds."""
    seconds = (value - now).total_seconds()
    past = seconds < 0
    span = -seconds if past else seconds
    if span < 45:
        return _("just now")
    locale = locale or str(get_locale())
    for unit, size in _UNITS:
        if span >= size:
            key = (past, unit, round(span / size), locale)
            text = _relative.get(key)
            if text is None:
                if len(_relative) > 10_000:  # bounded: amounts are few, locales fewer
                    _relative.clear()
                text = _relative[key] = format_timedelta(
                    seconds, threshold=1.0, add_direction=True, locale=locale
                )
            return text
    return ""  # not reached: 45 seconds and more make at least one unit


# --- what a page shares ----------------------------------------------------------------------


# Each reaction toggle's slots, as the reader has reacted (True) or not.
REACTION_STATES = {
    (kind, mine): {
        f"rx:{kind}:on": "0" if mine else "1",
        f"rx:{kind}:class": " is-on" if mine else "",
        f"rx:{kind}:pressed": "true" if mine else "false",
    }
    for kind in REACTION_KINDS
    for mine in (False, True)
}
_AGO_HTML: dict[str, str] = {}  # "3 hours ago" as page markup, by its words
_BOOKMARK_STATES: dict[str, dict[bool, dict[str, str]]] = {}


def _bookmark_states(language: str) -> dict[bool, dict[str, str]]:
    """Return the bookmark toggle's slots in both states, worded once per language."""
    states = _BOOKMARK_STATES.get(language)
    if states is None:
        states = _BOOKMARK_STATES[language] = {
            saved: {
                "bm:on": "0" if saved else "1",
                "bm:class": " is-on" if saved else "",
                "bm:pressed": "true" if saved else "false",
                "bm:label": ascii_html(str(escape(_("Saved") if saved else _("Save")))),
            }
            for saved in (False, True)
        }
    return states


class PageValues:
    """What every card of one page shares: the locale, the token, each toggle's two states."""

    def __init__(self) -> None:
        self.language = str(get_locale())
        # The app too: its settings (the image proxy's key, the media origin) shape the markup.
        self.context_key = (
            f"{self.language}/{get_timezone()}/{id(current_app._get_current_object())}"
        )
        # The user itself, not the proxy: each look through current_user costs a context lookup.
        self.viewer = current_user._get_current_object() if current_user.is_authenticated else None
        self.viewer_id = self.viewer.id if self.viewer else None
        self.staff = bool(self.viewer and self.viewer.is_staff)
        self.now = utcnow()
        self.csrf = page_csrf_token() if self.viewer else ""
        self.reaction_states = REACTION_STATES
        self.bookmark_states = _bookmark_states(self.language)
        self._ago: dict[datetime, str] = {}

    def ago(self, value: datetime) -> str:
        """Return the relative time of ``value``, once per distinct time on the page."""
        text = self._ago.get(value)
        if text is None:
            words = relative_time(value, self.now, self.language)
            text = _AGO_HTML.get(words)
            if text is None:
                if len(_AGO_HTML) > 10_000:
                    _AGO_HTML.clear()
                text = _AGO_HTML[words] = ascii_html(str(escape(words)))
            self._ago[value] = text
        return text

    def mode(self, author_id: int) -> str:
        """Name the reader's relation to a post or comment: it changes the card's markup."""
        if self.viewer_id is None:
            return "anon"
        if self.viewer_id == author_id:
            return "author"
        return "staff" if self.staff else "reader"


def page_values() -> PageValues:
    """Return this request's shared card values, computed on first use."""
    values = g.get("card_page_values")
    if values is None:
        values = g.card_page_values = PageValues()
    return values


# --- post cards ------------------------------------------------------------------------------


# Each reaction kind's count of a post, as one tuple (the version's part of them).
_reaction_counts = attrgetter(*(f"{kind}_count" for kind in REACTION_KINDS))
# The reaction toggles' slot values for each set of kinds the reader chose, made on first use.
_REACTION_VALUES: dict[frozenset[str], dict[str, str]] = {}
_KINDS = frozenset(REACTION_KINDS)


def _reaction_values(mine: Iterable[str]) -> dict[str, str]:
    chosen = frozenset(mine)
    values = _REACTION_VALUES.get(chosen)
    if values is None:
        values = {}
        for kind in REACTION_KINDS:
            values.update(REACTION_STATES[kind, kind in chosen])
        if chosen <= _KINDS:  # at most 2 ** len(REACTION_KINDS) entries
            _REACTION_VALUES[chosen] = values
    return values


def post_version(post: Post) -> int:
    """Digest everything a post card shows, so a change makes a new card (and key)."""
    author = post.author
    return hash(
        (
            post.body_html,
            post.edited_at,
            post.created_at,
            post.comments_count,
            _reaction_counts(post),
            post.tags_text,
            post.pinned_at,
            author.name,
            author.username,
            author.avatar_url,
        )
    )


def _post_values(view: PostView, page: PageValues) -> dict[str, str]:
    values = {"ago": page.ago(view.post.created_at)}
    if page.viewer is not None:
        values["csrf"] = page.csrf
        values.update(_reaction_values(view.my_reactions))
        values.update(page.bookmark_states[view.bookmarked])
    return values


def post_card(view: PostView) -> Markup:
    """Return one post's card as this reader sees it."""
    return Markup(_post_card(view, page_values()))


def _post_card(view: PostView, page: PageValues) -> str:
    post = view.post
    # Staff see the same card as readers; only comments differ for them.
    mode = page.mode(post.author_id).replace("staff", "reader")
    key = ("post", post.id, post_version(post), page.context_key, mode)
    card = cached(key, lambda: _macro("post_card")(post, mode))
    return fill(card, _post_values(view, page))


def post_cards(views: Iterable[PostView]) -> Markup:
    """Return the cards of a list of posts as this reader sees them."""
    page = page_values()  # once per list: each look in g costs a context lookup
    return Markup("".join([_post_card(view, page) for view in views]))


def reaction_bar(view: PostView) -> Markup:
    """Return a post's reaction bar alone (the answer to a reaction toggle)."""
    page = page_values()
    html = _macro("reaction_bar")(view.post, page.viewer is not None)
    return Markup(fill(compile_card(html), _post_values(view, page)))


def bookmark_button(view: PostView) -> Markup:
    """Return a post's bookmark button alone (the answer to a bookmark toggle)."""
    page = page_values()
    html = _macro("bookmark_button")(view.post)
    return Markup(fill(compile_card(html), _post_values(view, page)))


# --- comment cards ---------------------------------------------------------------------------


def comment_version(view: CommentView) -> int:
    """Digest everything a comment card shows."""
    comment = view.comment
    author = comment.author
    return hash(
        (
            view.hidden,
            comment.body_html,
            comment.body,
            comment.edited_at,
            comment.deleted_at,
            comment.created_at,
            author.name,
            author.username,
            author.avatar_url,
        )
    )


def comment_card(
    view: CommentView, post_id: int, reply_form: Any = None, edit_form: Any = None
) -> Markup:
    """Return one comment's card (without its replies) as this reader sees it."""
    return Markup(_comment_card(view, post_id, page_values(), reply_form, edit_form))


def _comment_card(
    view: CommentView, post_id: int, page: PageValues, reply_form: Any, edit_form: Any
) -> str:
    comment = view.comment
    mode = page.mode(comment.author_id)
    if reply_form is not None or edit_form is not None:
        # A form sent back with its errors: shown once, to one reader, never kept.
        html = _macro("comment_card")(view, post_id, mode, reply_form, edit_form)
        parts = compile_card(html)
    else:
        key = ("comment", comment.id, comment_version(view), page.context_key, mode)
        parts = cached(key, lambda: _macro("comment_card")(view, post_id, mode))
    values = {"ago": page.ago(comment.created_at), "csrf": page.csrf}
    return fill(parts, values)


# --- the composer ----------------------------------------------------------------------------


def composer(form: Any) -> Markup | None:
    """Return the empty composer, rendered once per locale; None when it must be rendered anew."""
    page = page_values()
    user = page.viewer
    if user is None or form.errors or form.body.data or form.tags.data:
        return None  # a form sent back with its text or errors is one reader's: never kept
    if current_app.config.get("REQUIRE_VERIFIED_EMAIL") and not user.email_verified:
        return None  # says why posting waits, with the reader's address
    parts = cache.get(("composer", page.context_key))
    if parts is None:
        template = current_app.jinja_env.get_template("posts/composer.html")
        html = template.render(form=form, oob=False, config=current_app.config, current_user=user)
        if html.count(page.csrf) != 1:
            return None  # not the one token field this expects: nothing to keep
        parts = compile_card(html.replace(page.csrf, slot("csrf")))
        cache.put(("composer", page.context_key), parts)
    return Markup(fill(parts, {"csrf": page.csrf}))


def comment_form_for(post_id: int, form: Any = None) -> Markup:
    """Return the comment form under a post: the empty one kept per post and locale."""
    # Building a CommentForm and rendering its field was a twentieth of the post page's Python
    # calls (bench/pages.py); the empty form is the same for every reader but its token.
    page = page_values()
    template = current_app.jinja_env.get_template("posts/_comment_form.html")
    if form is not None and (form.errors or form.body.data):
        return Markup(template.render(f=form, post_id=post_id))  # one reader's: never kept
    key = ("comment_form", page.context_key, post_id)
    parts = cache.get(key)
    if parts is None:
        from app.posts.forms import CommentForm

        html = template.render(f=CommentForm(formdata=None), post_id=post_id)
        if not page.csrf or html.count(page.csrf) != 1:
            return Markup(html)  # not the one token field this expects: nothing to keep
        parts = compile_card(html.replace(page.csrf, slot("csrf")))
        cache.put(key, parts)
    return Markup(fill(parts, {"csrf": page.csrf}))


def empty_composer() -> Markup | None:
    """Return the kept empty composer without a form object; None when it must be rendered."""
    # A page that shows the empty composer need not build a PostForm (and its CSRF field) to
    # learn that it is empty: once kept, the composer is a lookup (bench/pages.py --profile).
    page = page_values()
    user = page.viewer
    if user is None:
        return None
    if current_app.config.get("REQUIRE_VERIFIED_EMAIL") and not user.email_verified:
        return None  # says why posting waits, with the reader's address
    parts = cache.get(("composer", page.context_key))
    if parts is None:
        return None  # rendered from a form the first time (composer), then kept
    return Markup(fill(parts, {"csrf": page.csrf}))


# --- notifications ---------------------------------------------------------------------------


def notification_card(item: dict[str, Any]) -> Markup:
    """Return one notification (the API's object) as the notifications page lists it."""
    page = page_values()
    # The object is all the item shows (read or not, the actor's name and picture included):
    # its text is the version. It belongs to its one reader, whose id is in the key anyway.
    key = ("notification", page.viewer_id, repr(item), page.context_key)
    parts = cached(key, lambda: _notification_macro()(item, kept=True))
    return Markup(fill(parts, {"ago": page.ago(as_datetime(item["created_at"]))}))


def _notification_macro() -> Any:
    module = current_app.jinja_env.get_template("notifications/_item.html").module
    return module.notification_item


# --- the page frame --------------------------------------------------------------------------


def _frame(key: Hashable, name: str, *args: Any) -> Markup:
    """Return a piece of templates/_frame.html, rendered once per key and filled per request."""
    page = page_values()
    parts = cached(("frame", name, page.context_key, *key), lambda: _frame_macro(name)(*args))
    return Markup(fill(parts, {"csrf": page.csrf}))


def _frame_macro(name: str) -> Any:
    return getattr(current_app.jinja_env.get_template("_frame.html").module, name)


def page_assets() -> Markup:
    """Return the page's icon, style sheets and scripts (the same for every page and reader)."""
    return _frame((), "site_assets")


def page_header(unread: Callable[[int], tuple[int, int]]) -> Markup:
    """Return the site header as this reader sees it, its badges counted by ``unread``."""
    page = page_values()
    user = page.viewer
    if user is None:
        return _frame((None,), "site_header", None, 0, 0)
    notifications, messages = unread(user.id)
    # Everything the header shows is in the key: a new name, picture, role or count is a new
    # entry, and one reader's header is never served to another (the key holds their id).
    key = (user.id, user.username, user.avatar_url, user.is_staff, notifications, messages)
    return _frame(key, "site_header", user, notifications, messages)


def profile_head(user: Any, relation: Any, standing: Any, online: bool | None, tab: str) -> Markup:
    """Return a profile's head and tabs as this reader sees them, rendered once per state."""
    # A third of the profile page's CPU was this head (its buttons' templates, Babel's number
    # and date formats, a dozen messages): bench/pages.py --profile. Everything it shows is in
    # the key, so a new name, count, relation or presence is a new entry.
    page = page_values()
    viewer_id = page.viewer_id
    mode = "anon" if viewer_id is None else "self" if viewer_id == user.id else "other"
    facts = (
        user.id,
        user.username,
        user.display_name,
        user.bio,
        user.location,
        user.website,
        user.avatar_url,
        user.created_at,
        user.posts_count,
        user.followers_count,
        user.following_count,
    )
    state = (
        relation.follows_you,
        relation.is_following,
        standing.blocking,
        standing.muting,
        online,
        mode,
        tab,
    )
    key = ("profile_head", page.context_key, facts, state)
    parts = cached(key, lambda: _profile_macro()(user, relation, standing, online, mode, tab))
    return Markup(fill(parts, {"csrf": page.csrf}))


def _profile_macro() -> Any:
    return current_app.jinja_env.get_template("social/_profile_head.html").module.profile_head


def page_shortcuts() -> Markup:
    """Return the keyboard shortcuts' help (the same for every reader of one language)."""
    return _frame((), "site_shortcuts")


def page_footer() -> Markup:
    """Return the site footer (the same for every reader of one language)."""
    return _frame((), "site_footer", page_values().language, LANGUAGE_CHOICES)


def comment_tree(
    threads: Iterable[Any], post_id: int, comment_form: Any = None, comment_edit: Any = None
) -> Markup:
    """Return a post's comment threads as nested lists of cards, as this reader sees them."""
    # Written out here rather than as a recursive template macro: a macro call per comment
    # was a quarter of the post page's CPU with 60 comments (bench/pages.py --profile).
    reply_to = comment_form.parent_id.data if comment_form is not None else None
    edit_id, edit_form = comment_edit if comment_edit else (None, None)
    page = page_values()  # once per page: each look in g costs a context lookup
    out: list[str] = []

    def walk(node: Any, depth: int) -> None:
        ident = node.comment.id
        reply_form = comment_form if reply_to and reply_to == str(ident) else None
        out.append(f'<li class="comment" id="comment-{ident}">\n')
        edit = edit_form if edit_id == ident else None
        out.append(_comment_card(node, post_id, page, reply_form, edit))
        if node.replies:
            flat = " replies-flat" if depth >= 4 else ""
            out.append(f'<ol class="replies{flat}">\n')
            for child in node.replies:
                walk(child, depth + 1)
            out.append("</ol>\n")
        out.append("</li>\n")

    for node in threads:
        walk(node, 0)
    return Markup("".join(out))


def register_card_helpers(app: Any) -> None:
    """Expose the card helpers to the templates."""
    app.jinja_env.globals.update(
        card_slot=slot,
        card_time=time_tag,
        post_cards=post_cards,
        post_card_for=post_card,
        reaction_bar_for=reaction_bar,
        bookmark_button_for=bookmark_button,
        comment_card=comment_card,
        comment_tree=comment_tree,
        page_assets=page_assets,
        notification_card=notification_card,
        kept_composer=composer,
        comment_form_for=comment_form_for,
        page_footer=page_footer,
        page_shortcuts=page_shortcuts,
        profile_head=profile_head,
    )
    app.jinja_env.filters["unmarked"] = unmarked
    cache.size = app.config.get("CARD_CACHE_SIZE", DEFAULT_SIZE)
