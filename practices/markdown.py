"""Safe Markdown for user content: markdown-it-py renders, nh3 sanitises with an allow-list.

An @mention is rendered as a mark, `<span class="mention" data-handle="ada-osei">@ada-osei</span>`,
the same for every reader, so the HTML can be stored. `link_mentions` then turns the marks into
profile links for the people a given reader may see: a cheap step per request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from html import unescape
from typing import TYPE_CHECKING

import nh3
from django.utils.html import escape
from django.utils.text import Truncator, slugify
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

if TYPE_CHECKING:
    from members.models import User

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "span": {"data-handle"},
}
ALLOWED_CLASSES = {"span": {"mention"}}
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]{1,60})", re.IGNORECASE)
MARK_RE = re.compile(r'<span class="mention" data-handle="([a-z0-9-]+)">(@[^<]*)</span>')


def member_handle(user: User) -> str:
    """How to @mention a member: their display name as a slug, e.g. @ada-osei."""
    return slugify(user.display_name) or f"member-{user.pk}"


def _mark_mentions(state: StateCore) -> None:
    """Wrap each @handle in plain text (not in code or links) in a mention mark."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION_RE.finditer(token.content):
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                handle = match.group(1).lower()
                mark = Token("html_inline", "", 0)
                mark.content = (
                    f'<span class="mention" data-handle="{handle}">{escape(match.group(0))}</span>'
                )
                children.append(mark)
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # No raw HTML from authors; headings are demoted so posts never outrank the page title.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("mention_marks", _mark_mentions)
    return md


def _demote_headings(html: str) -> str:
    for level in (6, 5, 4, 3, 2, 1):
        target = min(level + 2, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return html


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to show to anyone."""
    if not text:
        return ""
    html = _demote_headings(_parser().render(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


# Bump when the parser options or the sanitiser's rules above change: rows rendered by an
# older version are re-rendered by `manage.py rerender_markdown`.
# 2: @mentions are marked for `link_mentions`.
RENDERER_VERSION = 2

# The Markdown fields of a post, rendered once when written (Post.body_html).
POST_BODY_FIELDS = ("situation", "tried", "happened", "learned", "recommend", "help_wanted")
EXCERPT_WORDS = 40


def plain_text(html: str) -> str:
    """The text of sanitised HTML as readers see it, on one line (for excerpts)."""
    if not html:
        return ""
    return " ".join(unescape(nh3.clean(html, tags=set())).split())


def render_post_body(values: Mapping[str, object]) -> dict[str, str]:
    """Sanitised HTML of each filled-in Markdown field of a post, by field name."""
    rendered = {}
    for field in POST_BODY_FIELDS:
        text = str(values.get(field) or "")
        if text.strip():
            rendered[field] = render_markdown(text)
    return rendered


def post_excerpt(kind: str, body_html: Mapping[str, str]) -> str:
    """What a list item quotes: a challenge's situation, an experience's lesson."""
    source = "situation" if kind == "challenge" else "learned"
    return Truncator(plain_text(body_html.get(source, ""))).words(EXCERPT_WORDS)


def link_mentions(html: str, profile_urls: Mapping[str, str]) -> str:
    """Turn mention marks in rendered HTML into links to the profiles in `profile_urls`
    (handle -> URL: only the people this reader may see); other marks stay plain text."""
    if 'class="mention"' not in html:
        return html

    def link(match: re.Match) -> str:
        url = profile_urls.get(match.group(1))
        if not url:
            return match.group(0)
        return f'<a class="mention" href="{escape(url)}">{match.group(2)}</a>'

    return MARK_RE.sub(link, html)
