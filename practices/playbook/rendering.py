"""A page's Markdown as stored HTML, with an anchor on each heading for the page's own
table of contents. Rendering and sanitising are `practices.markdown`'s, as for posts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from django.utils.text import slugify

from practices.markdown import plain_text, render_markdown

# After `render_markdown` demotes them, a page's headings are h3 to h6; h3 and h4 (the
# author's "#" and "##") make the table of contents.
_HEADING = re.compile(r"<h([3-6])>(.*?)</h\1>", re.DOTALL)
_ANCHORED = re.compile(r'<h([34]) id="([a-z0-9-]+)">(.*?)</h\1>', re.DOTALL)
ANCHOR_PREFIX = "section-"


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for a top heading of the page, 2 below it
    anchor: str
    text: str


def render_page_body(text: str) -> str:
    """Sanitised HTML of a page's Markdown, each heading carrying a unique id.

    The ids are made of a fixed prefix and a slug (letters, digits, hyphens), added
    after sanitising, so nothing an author writes becomes an attribute."""
    html = render_markdown(text)
    used: set[str] = set()

    def anchor(match: re.Match) -> str:
        level, inner = match.group(1), match.group(2)
        base = ANCHOR_PREFIX + (slugify(unescape(plain_text(inner)))[:60] or "part")
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        return f'<h{level} id="{candidate}">{inner}</h{level}>'

    return _HEADING.sub(anchor, html)


def headings(html: str) -> list[Heading]:
    """The table of contents of a page's stored HTML."""
    return [
        Heading(level=int(level) - 2, anchor=anchor, text=plain_text(inner))
        for level, anchor, inner in _ANCHORED.findall(html)
    ]
