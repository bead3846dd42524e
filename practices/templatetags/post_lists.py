"""{% post_items posts %}: post list items, rendered once and then served from the cache.

A list item shows only what is the same for everyone who may see the post (its title,
excerpt, counters, topics, author and community names), so every viewer, signed in or
not, shares one rendering. The cache key is a digest of everything the item shows,
plus the language, the time zone and the template itself: an edit, a pin, a new
comment or a renamed topic changes the key, so a changed post is never served stale
and nothing needs to be deleted when content changes.

What differs per reader, the "New" badge and "3 new comments" of posts annotated by
`PostQuerySet.with_unread`, goes into the item's two reader slots after the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from practices import bylines
from practices.querysets import NEW_POSTS_CAP

register = template.Library()

ITEM_TEMPLATE = "practices/includes/post_list_item.html"
ITEM_CACHE_SECONDS = 24 * 3600
BADGES_SLOT = "<!--reader-badges-->"
COUNTS_SLOT = "<!--reader-counts-->"


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def _shown(post, heading_level: int, show_community: bool) -> tuple:
    """Everything the item template reads from `post` (LIST_COLUMNS and the topics)."""
    return (
        post.pk,
        post.kind,
        post.status,
        post.title,
        post.outcome,
        post.is_pinned,
        post.hidden_at,
        post.answered_at,
        post.comment_count,
        post.helpful_count,
        post.applied_count,
        post.excerpt,
        post.published_at,
        post.community.slug,
        post.community.name,
        bylines.author_name(post),
        [(tag.name, tag.slug) for tag in post.tags.all()],
        heading_level,
        show_community,
    )


def _for_reader(html: str, post) -> str:
    """The shared item with what is new to this reader (`with_unread`) in its slots."""
    badge = counts = ""
    if getattr(post, "is_new", False):
        label = pgettext("not read yet", "New")
        badge = format_html('<span class="badge badge--new">{}</span>', label)
    new_comments = getattr(post, "new_comments", 0) or 0
    if new_comments:
        text = ngettext("%(count)d new comment", "%(count)d new comments", new_comments) % {
            "count": new_comments
        }
        counts = format_html('<li class="post-item__new-comments">{}</li>', text)
    return html.replace(BADGES_SLOT, badge).replace(COUNTS_SLOT, counts)


@register.simple_tag
def post_items(
    posts: Iterable, heading_level: int = 3, show_community: bool = False, wrap: str = "li"
) -> SafeString:
    """The list items of `posts`, each in a `<wrap>` element (none with wrap="")."""
    posts = list(posts)
    if not posts:
        return mark_safe("")  # noqa: S308  # nosec B308 B703 - an empty string
    item = get_template(ITEM_TEMPLATE)
    scope = _digest(
        (item.template.source, translation.get_language(), timezone.get_current_timezone_name())
    )
    keys = [
        f"post-item:{scope}:{_digest(_shown(post, heading_level, show_community))}"
        for post in posts
    ]
    found = cache.get_many(keys)
    rendered = {}
    parts = []
    for post, key in zip(posts, keys, strict=True):
        html = found.get(key)
        if html is None:
            # No request and no context processors: the item cannot depend on the viewer.
            html = item.render(
                {"post": post, "heading_level": heading_level, "show_community": show_community}
            )
            rendered[key] = html
        html = _for_reader(html, post)
        parts.append(f"<{wrap}>{html}</{wrap}>" if wrap else html)
    if rendered:
        cache.set_many(rendered, ITEM_CACHE_SECONDS)
    # Each part is the output of an autoescaping item template.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


@register.simple_tag
def new_posts_badge(count: int | None) -> SafeString:
    """ "3 new posts" on a community card (`communities_with_new_posts`); "99+" beyond
    the cap the count stops at."""
    if not count:
        return mark_safe("")  # noqa: S308  # nosec B308 B703 - an empty string
    if count > NEW_POSTS_CAP:
        text = gettext("%(count)d+ new posts") % {"count": NEW_POSTS_CAP}
    else:
        text = ngettext("%(count)d new post", "%(count)d new posts", count) % {"count": count}
    return format_html('<span class="badge badge--new">{}</span>', text)
