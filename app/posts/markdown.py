# TEMPORARY placeholder until feat/markdown merges; never committed.
import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    tags: list
    mentions: list


def extract_tags(source):
    out = []
    for t in re.findall(r"(?<![\w/&])#([A-Za-z0-9_-]{1,30})\b", source):
        t = t.lower()
        if re.search("[a-z]", t) and t not in out:
            out.append(t)
    return out


def render_markdown(source, *, resolve_mentions=None):
    cands = {m.lower() for m in re.findall(r"(?<!\w)@([A-Za-z0-9_]{3,30})", source)}
    resolved = resolve_mentions(cands) if resolve_mentions else {}
    return Rendered(
        "<p>" + html.escape(source) + "</p>", source, extract_tags(source), list(resolved.values())
    )
