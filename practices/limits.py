"""What a member may publish now: daily limits, new members' links, pre-moderation.

The practices services check these before they write anything, so a refused post or
comment stores nothing. Every refusal is a `ValidationError` with a sentence the
person can act on.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.models import Community, Membership
from communities.permissions import membership_of

from .models import Comment, Post

if TYPE_CHECKING:
    from members.models import User

DAY = timedelta(days=1)
# An http(s) address anywhere in Markdown: a bare URL, an autolink or a [link](...).
LINK_RE = re.compile(r"https?://", re.IGNORECASE)


def holds_for_approval(author: User, community: Community) -> bool:
    """Does a post `author` publishes now wait for a facilitator's approval?

    With pre-moderation on (`premoderation_posts` = N > 0), a member's posts wait
    until N of them have been approved; the founding team (facilitators, core members)
    publishes directly.
    """
    if not community.premoderation_posts:
        return False
    membership = membership_of(author, community)
    if membership and membership.role in Membership.TEAM_ROLES:
        return False
    approved = Post.objects.filter(
        community=community, author=author, published_at__isnull=False
    ).count()
    return approved < community.premoderation_posts


def is_new_member(user: User, community: Community) -> bool:
    """A plain member who joined within the community's `new_member_days`."""
    membership = membership_of(user, community)
    if membership is None or membership.role != Membership.Role.MEMBER:
        return False
    if membership.joined_at is None:
        return False
    return membership.joined_at >= timezone.now() - timedelta(days=community.new_member_days)


def _posts_in_last_day(author: User) -> Q:
    since = timezone.now() - DAY
    return Q(author=author) & (
        Q(published_at__gte=since) | Q(status=Post.Status.PENDING, created_at__gte=since)
    )


def count_links(text: str) -> int:
    return len(LINK_RE.findall(text or ""))


def check_link_limit(*, author: User, community: Community, text: str) -> None:
    """New members may put only a few links (http/https addresses) in a post."""
    if not is_new_member(author, community):
        return
    links, allowed = count_links(text), community.new_member_links_per_post
    if links and not allowed:
        raise ValidationError(
            _("New members cannot include links in a post in this community yet.")
        )
    if links > allowed:
        raise ValidationError(
            ngettext(
                "New members can include %(n)d link in a post in this community; "
                "this one has %(found)d.",
                "New members can include %(n)d links in a post in this community; "
                "this one has %(found)d.",
                allowed,
            )
            % {"n": allowed, "found": links}
        )


def check_post_limits(*, author: User, community: Community, text: str = "") -> None:
    """Before a post is published (or submitted for approval): new members' links per
    post, the per-account daily limit and the community's daily limit for new members."""
    check_link_limit(author=author, community=community, text=text)
    recent = Post.objects.filter(_posts_in_last_day(author))
    limit = settings.POSTS_PER_DAY_LIMIT
    if recent.count() >= limit:
        raise ValidationError(
            ngettext(
                "You can share %(n)d post a day; you can post again tomorrow.",
                "You can share %(n)d posts a day; you can post again tomorrow.",
                limit,
            )
            % {"n": limit}
        )
    limit = community.new_member_posts_per_day  # 0: no limit
    new = bool(limit) and is_new_member(author, community)
    if new and recent.filter(community=community).count() >= limit:
        raise ValidationError(
            ngettext(
                "New members can share %(n)d post a day in this community; "
                "you can post again tomorrow.",
                "New members can share %(n)d posts a day in this community; "
                "you can post again tomorrow.",
                limit,
            )
            % {"n": limit}
        )


def check_comment_limits(*, author: User, community: Community) -> None:
    """Before a comment is written: the per-account limit and the new members' limit."""
    recent = Comment.objects.filter(author=author, created_at__gte=timezone.now() - DAY)
    limit = settings.COMMENTS_PER_DAY_LIMIT
    if recent.count() >= limit:
        raise ValidationError(
            ngettext(
                "You can write %(n)d comment a day; you can comment again tomorrow.",
                "You can write %(n)d comments a day; you can comment again tomorrow.",
                limit,
            )
            % {"n": limit}
        )
    limit = community.new_member_comments_per_day  # 0: no limit
    new = bool(limit) and is_new_member(author, community)
    if new and recent.filter(post__community=community).count() >= limit:
        raise ValidationError(
            ngettext(
                "New members can write %(n)d comment a day in this community; "
                "you can comment again tomorrow.",
                "New members can write %(n)d comments a day in this community; "
                "you can comment again tomorrow.",
                limit,
            )
            % {"n": limit}
        )
