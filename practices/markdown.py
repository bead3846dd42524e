"""Safe Markdown for user content: markdown-it-py renders, nh3 sanitises with an allow-list."""

from collections.abc import Mapping
from functools import lru_cache
from html import unescape

import nh3
from django.utils.text import Truncator
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # No raw HTML from authors; headings are demoted so posts never outrank the page title.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.enable(["table", "strikethrough"])
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
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


# Bump when the parser options or the sanitiser's rules above change: rows rendered by an
# older version are re-rendered by `manage.py rerender_markdown`.
RENDERER_VERSION = 1

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
