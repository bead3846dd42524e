"""Which people on a page the reader may open: bylines and @mentions link only to those.

One query a page: the page collects its authors (and the post whose mentions it shows) and
asks the profile door, `profiles_visible_to`, about all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from communities.querysets import profiles_visible_to
from config.links import absolute_url

from .markdown import member_handle

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User

    from .models import Post


@dataclass(frozen=True)
class ProfileLinks:
    """`ids`: profiles the reader may open; `by_handle`: @handle -> profile URL for them."""

    ids: frozenset[int] = frozenset()
    by_handle: dict[str, str] = field(default_factory=dict)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.ids


def profile_links(
    viewer: User, people: Iterable[int | None], *, mentions_in: Post | None = None
) -> ProfileLinks:
    """The profiles among `people` (user ids), and among those mentioned in `mentions_in`
    and its comments, that `viewer` may open."""
    ids = {pk for pk in people if pk}
    if not viewer.is_authenticated or not (ids or mentions_in):
        return ProfileLinks()
    wanted = Q(pk__in=ids)
    if mentions_in is not None:
        wanted |= Q(mentions__post=mentions_in)
    visible = list(profiles_visible_to(viewer).filter(wanted).distinct().only("pk", "display_name"))
    return ProfileLinks(
        ids=frozenset(u.pk for u in visible),
        by_handle={member_handle(u): u.get_absolute_url() for u in visible},
    )


def byline_for_members(author: User, community: Community) -> dict[str, str | None]:
    """The author as any member of `community` sees them, for what leaves the site on
    the community's behalf (webhooks): the display name, and the profile link only when
    the author is an active account with an active membership there, the one community
    every member is sure to share with them (the `profiles_visible_to` rule)."""
    from communities.models import Membership

    shared = (
        author.is_active
        and Membership.objects.active().filter(community=community, user=author).exists()
    )
    return {
        "display_name": author.display_name,
        "profile_url": absolute_url(author.get_absolute_url()) if shared else None,
    }
