"""How the people on a page are shown: the one byline rule, and which profiles link.

A post shared without its author's name ("a member of this community") shows its
author to nobody but themselves, and, in moderation views and on the post page, to the
community's facilitators and the site's staff. The author's own comments on that post
are shown the same way, so that no comment links the post to a name. Every place that
shows a post's author asks here: pages, lists, search, feeds, the API, notifications,
digests and profiles. After the author reveals themselves the post is named again.

Profile links take one query a page: the page collects its authors (and the post whose
mentions it shows) and asks the profile door, `profiles_visible_to`, about all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.utils.translation import gettext, pgettext, pgettext_lazy

from communities.querysets import profiles_visible_to
from config.links import absolute_url

from .markdown import member_handle

if TYPE_CHECKING:
    from communities.models import Community
    from members.models import User

    from .models import Comment, Post

UNNAMED_AUTHOR = pgettext_lazy("byline", "a member of this community")


def is_unnamed(post: Post | None) -> bool:
    """Is `post` shared without its author's name (and not revealed since)?"""
    return bool(post is not None and post.shared_without_name)


def hides(post: Post | None, person_id: int | None) -> bool:
    """Is `person_id` shown without their name on `post`: its author, while unnamed."""
    return is_unnamed(post) and person_id is not None and person_id == post.author_id


def shown_name(post: Post | None, person: User | None) -> str:
    """The name of `person` (the post's author, a commenter, the one who acted) as
    anyone may read it in connection with `post`."""
    if person is None:
        return ""
    if hides(post, person.pk):
        return str(UNNAMED_AUTHOR)
    return person.display_name


def author_name(post: Post) -> str:
    """The post's author as everyone reads it: the name, or "a member of this community"."""
    return str(UNNAMED_AUTHOR) if is_unnamed(post) else post.author.display_name


def by_author(post: Post) -> str:
    """ "by <name>", or "by a member of this community" (a phrase of its own: languages
    inflect it differently from a name)."""
    if is_unnamed(post):
        return pgettext("byline", "by a member of this community")
    return gettext("by %(name)s") % {"name": post.author.display_name}


def shown_author(post: Post) -> User | None:
    """The post's author, or None when the post is shared without name."""
    return None if is_unnamed(post) else post.author


def comment_shows_author(comment: Comment) -> bool:
    """Does `comment` (with its post) show who wrote it?"""
    return not hides(comment.post, comment.author_id)


def named_posts(posts: QuerySet[Post], *, of: User, viewer: User) -> QuerySet[Post]:
    """Those of `posts` (all by `of`) that `viewer` may see attributed to `of`: a post
    shared without name counts only for its author."""
    if viewer.is_authenticated and viewer.pk == of.pk:
        return posts
    return posts.filter(shared_without_name=False)


def named_comments(comments: QuerySet[Comment], *, of: User, viewer: User) -> QuerySet[Comment]:
    """Those of `comments` (all by `of`) that `viewer` may see attributed to `of`:
    comments on their own post shared without name count only for themselves."""
    if viewer.is_authenticated and viewer.pk == of.pk:
        return comments
    return comments.exclude(Q(post__shared_without_name=True) & Q(post__author=of))


@dataclass(frozen=True)
class PostByline:
    """The post page's byline for one reader.

    `unnamed`: shown as "a member of this community"; `by_you`: the reader is its
    author; `moderator_name`: the author's name, for facilitators and staff only."""

    unnamed: bool
    by_you: bool = False
    moderator_name: str = ""


def post_byline(viewer: User, post: Post, *, moderates: bool) -> PostByline:
    """How the post page shows the author to `viewer` (`moderates`: a facilitator of the
    post's community, or staff)."""
    if not is_unnamed(post):
        return PostByline(unnamed=False)
    by_you = bool(viewer.is_authenticated and viewer.pk == post.author_id)
    return PostByline(
        unnamed=True,
        by_you=by_you,
        moderator_name=post.author.display_name if moderates and not by_you else "",
    )


@dataclass(frozen=True)
class ProfileLinks:
    """`ids`: profiles the reader may open; `by_handle`: @handle -> profile URL for them."""

    ids: frozenset[int] = frozenset()
    by_handle: dict[str, str] = field(default_factory=dict)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.ids


class _EqualsAny(Func):
    """`value = ANY(array)`: an index lookup for each element of an array."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def profile_links(
    viewer: User, people: Iterable[int | None], *, mentions_in: Post | None = None
) -> ProfileLinks:
    """The profiles among `people` (user ids), and among those mentioned in `mentions_in`
    and its comments, that `viewer` may open. The author of a post shared without name
    is never linked on its page."""
    ids = {pk for pk in people if pk and not hides(mentions_in, pk)}
    if not viewer.is_authenticated or not (ids or mentions_in):
        return ProfileLinks()
    wanted = Q(pk__in=ids)
    if mentions_in is not None:
        from .models import Mention

        # "id = ANY(ARRAY(...))": the mentioned ids once, then the primary key for both
        # sets (a join or IN on the mentions makes PostgreSQL read every account).
        mentioned = Mention.objects.filter(post=mentions_in).values("mentioned_id")
        wanted |= Q(_EqualsAny(F("pk"), ArraySubquery(mentioned)))
    visible = list(profiles_visible_to(viewer).filter(wanted).order_by().only("pk", "display_name"))
    if is_unnamed(mentions_in):
        visible = [u for u in visible if u.pk != mentions_in.author_id]
    return ProfileLinks(
        ids=frozenset(u.pk for u in visible),
        by_handle={member_handle(u): u.get_absolute_url() for u in visible},
    )


def byline_for_members(
    author: User, community: Community, *, on_post: Post | None = None
) -> dict[str, str | None]:
    """The author as any member of `community` sees them, for what leaves the site on
    the community's behalf (webhooks): the display name, and the profile link only when
    the author is an active account with an active membership there, the one community
    every member is sure to share with them (the `profiles_visible_to` rule). The author
    of a post shared without name, on that post (`on_post`), is "a member of this
    community", with no link."""
    from communities.models import Membership

    if hides(on_post, author.pk):
        return {"display_name": str(UNNAMED_AUTHOR), "profile_url": None}
    shared = (
        author.is_active
        and Membership.objects.active().filter(community=community, user=author).exists()
    )
    return {
        "display_name": author.display_name,
        "profile_url": absolute_url(author.get_absolute_url()) if shared else None,
    }
