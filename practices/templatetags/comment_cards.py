"""{% cached_comment_card comment in page %}...{% endcached_comment_card %}: a comment's
card, rendered once and then served from the cache to every reader it looks the same for.

A long conversation spends most of its time rendering cards that are the same for most
readers: someone else's comment, with a "Report" link. The key is a digest of
everything the card shows (the comment, its author's name and avatar, what the page
says of the author), of what the reader sees differently (whether the author's profile
and the mentions link, "New", the `can_*` flags, whether it is their own), and of the
language, time zone, number formatting and the template itself. So an edit, a renamed
author or a changed flag makes a new key: nothing is served stale, nothing is deleted.

Cards with a form (the reader's own comment, one they moderate or mark as helpful)
carry the reader's CSRF token and what they typed, and hidden cards and cards with
files show more than the key holds: those are rendered each time, as before.
"""

from __future__ import annotations

import hashlib

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from practices import bylines

register = template.Library()

CARD_CACHE_SECONDS = 24 * 3600


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()


def _cacheable(comment) -> bool:
    return not (
        comment.can_mark
        or comment.can_edit
        or comment.can_delete
        or comment.can_hide
        or comment.is_hidden
        or getattr(comment, "edit_form", None) is not None
        or getattr(comment, "attached", None)
    )


def _shown(comment, context) -> tuple:
    """Everything the card template reads for `comment` (its `comment_card` partial)."""
    post, user, profiles = context["post"], context["user"], context["profiles"]
    author = comment.author
    return (
        comment.pk,
        comment.body,
        comment.body_html,
        comment.marked_helpful_at,
        comment.created_at,
        comment.edited_at,
        comment.author_id,
        author.display_name,
        author.initials,
        author.avatar.url if author.avatar else "",
        bylines.hides(post, comment.author_id),
        comment.author_id in profiles,
        comment.author_id == user.pk,
        bool(getattr(comment, "is_new", False)),
        comment.can_report,
    )


def _scope(node: CachedCommentCardNode, context) -> str:
    """What every card of the page shares: the page's post and community as the cards
    read them, the mentions that link, the reader's locale and the template's source."""
    post, community, profiles = context["post"], context["community"], context["profiles"]
    source = get_template(node.origin.template_name).template.source
    return _digest(
        (
            source,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            context.use_l10n,
            context.autoescape,
            get_script_prefix(),
            community.slug,
            community.language,
            post.author_id,
            post.shared_without_name,
            bool(context.get("can_moderate_names")),
            sorted((getattr(profiles, "by_handle", None) or {}).items()),
        )
    )


class CachedCommentCardNode(template.Node):
    def __init__(self, comment, page, nodelist):
        self.comment = comment
        self.page = page
        self.nodelist = nodelist

    def _cards(self, context) -> dict:
        """The cached cards of every comment on the page, fetched at the first card
        (threads and replies alike: one lookup in the cache for the page)."""
        page = self.page.resolve(context)
        state = ("comment-cards", id(page))
        if state not in context.render_context:
            shown = [c for top in page.object_list for c in (top, *top.visible_replies)]
            scope = _scope(self, context)
            keys = {
                c.pk: f"comment-card:{scope}:{_digest(_shown(c, context))}"
                for c in shown
                if _cacheable(c)
            }
            context.render_context[state] = (keys, cache.get_many(list(keys.values())))
        return context.render_context[state]

    def render(self, context) -> str:
        comment = self.comment.resolve(context)
        if not _cacheable(comment):
            return self.nodelist.render(context)
        keys, found = self._cards(context)
        key = keys.get(comment.pk)
        if key is None:
            return self.nodelist.render(context)
        html = found.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, str(html), CARD_CACHE_SECONDS)
        # The output of this autoescaping template, for a reader it looks the same for.
        return mark_safe(html)  # noqa: S308  # nosec B308 B703


@register.tag("cached_comment_card")
def cached_comment_card(parser, token):
    """{% cached_comment_card comment in comments_page %}{% partial comment_card %}
    {% endcached_comment_card %}"""
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "in":
        raise template.TemplateSyntaxError(
            "Usage: {% cached_comment_card comment in comments_page %}"
        )
    nodelist = parser.parse(("endcached_comment_card",))
    parser.delete_first_token()
    return CachedCommentCardNode(
        parser.compile_filter(bits[1]), parser.compile_filter(bits[3]), nodelist
    )
