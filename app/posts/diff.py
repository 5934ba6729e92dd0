"""Word-level differences between two bodies, as <del>/<ins> markup a screen reader can tell."""

from __future__ import annotations

import difflib
import re

from flask_babel import gettext as _
from markupsafe import Markup, escape

# Words and the space between them, each its own token: the diff keeps the text's layout.
_TOKENS = re.compile(r"\s+|[^\s]+")


def diff_html(old: str, new: str) -> Markup:
    """Return ``new`` against ``old``: removed text in <del>, added text in <ins>.

    Each change carries a visually hidden "removed:"/"added:" word, so it is not told by
    colour or strike-through alone.
    """
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    removed, added = _("removed:"), _("added:")
    out: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(before[a1:a2]))))
            continue
        if op in ("delete", "replace"):
            out.append(
                f'<del><span class="visually-hidden">{escape(removed)} </span>'
                f"{escape(''.join(before[a1:a2]))}</del>"
            )
        if op in ("insert", "replace"):
            out.append(
                f'<ins><span class="visually-hidden">{escape(added)} </span>'
                f"{escape(''.join(after[b1:b2]))}</ins>"
            )
    return Markup("".join(out))
