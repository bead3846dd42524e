"""RSS 2.0 and Atom feeds of a community's posts, built on Django's syndication framework.

Public feeds are read as a signed-out visitor would read the community: only public
communities have them, and hidden posts never appear. A members-only community is read
through a secret per-member address (a `FeedToken` for news feeds): it shows what that
member may read now, so it empties when they leave, are removed or banned. Hidden posts
stay out of every feed, even for facilitators and authors who see them on the site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _
from taggit.models import Tag

from communities.models import Community
from communities.querysets import Standing, reads_content_as
from config.links import absolute_reverse, absolute_url
from members.feed_tokens import FeedPurpose, feed_token_for, feed_token_owner

from . import bylines
from .markdown import render_markdown
from .models import Post

if TYPE_CHECKING:
    from members.models import User

FEED_SIZE = 30
FORMATS = {"rss": Rss201rev2Feed, "atom": Atom1Feed}
STREAMS = ("experiences", "questions")
# Feed readers poll; five minutes keeps them fresh without a query per poll.
PUBLIC_MAX_AGE = 300


def _posts(user: User | AnonymousUser, community: Community | None, *, stream: str, tag: str = ""):
    if community is None:
        return []
    filters = {"tag": tag} if tag else {}
    if stream == "questions":
        filters["open_challenges"] = True
    elif stream == "experiences":
        filters["kind"] = Post.Kind.EXPERIENCE
    return list(
        Post.objects.visible_to(user)
        .filter(hidden_at__isnull=True, published_at__isnull=False)
        .for_feed(community, **filters)[:FEED_SIZE]
    )


class _PostFeed(Feed):
    """One feed document over posts already read through `visible_to`."""

    def __init__(self, *, fmt: str, title: str, link: str, feed_url: str, posts: list[Post]):
        super().__init__()
        self.feed_type = FORMATS[fmt]
        self._title, self._link, self._feed_url, self._posts = title, link, feed_url, posts

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self):
        return self._title

    def link(self):
        return self._link

    def feed_url(self):
        return self._feed_url

    def description(self):
        return self._title

    def items(self):
        return self._posts

    def item_title(self, item: Post):
        return item.title

    def item_link(self, item: Post):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item: Post):
        return absolute_url(item.get_absolute_url())

    def item_guid_is_permalink(self, item: Post):
        return True

    def item_description(self, item: Post):
        text = item.situation if item.kind == Post.Kind.CHALLENGE else item.learned
        return render_markdown(text or item.situation or "")

    def item_pubdate(self, item: Post):
        return item.published_at

    def item_updateddate(self, item: Post):
        return item.edited_at or item.published_at

    def item_author_name(self, item: Post):
        # The name members see on the site (practices.bylines); never the email address.
        return bylines.author_name(item) or None

    def item_categories(self, item: Post):
        return [t.name for t in item.tags.all()]


def _title(community: Community | None, stream: str, tag: str) -> str:
    name = community.name if community else _("Practica")
    if tag:
        return _("%(community)s: posts on %(tag)s") % {"community": name, "tag": tag}
    if stream == "questions":
        return _("%(community)s: open challenges") % {"community": name}
    return _("%(community)s: new experiences") % {"community": name}


def _page_link(community: Community | None, stream: str, tag: str) -> str:
    if community is None:
        return absolute_reverse("home")
    if tag:
        return absolute_reverse("practices:community_tag", community.slug, tag)
    if stream == "questions":
        return absolute_url(reverse("practices:feed", args=[community.slug]) + "?kind=open")
    return absolute_reverse("practices:feed", community.slug)


def _render(
    request: HttpRequest,
    *,
    fmt: str,
    community: Community | None,
    posts: list[Post],
    stream: str,
    tag: str = "",
    cache: str,
) -> HttpResponse:
    feed = _PostFeed(
        fmt=fmt,
        title=_title(community, stream, tag),
        link=_page_link(community, stream, tag),
        feed_url=absolute_url(request.path),
        posts=posts,
    )
    response = feed(request)
    response["Cache-Control"] = f"{cache}, max-age={PUBLIC_MAX_AGE}"
    return response


def _public_community(slug: str) -> Community:
    """Only a community a signed-out visitor may read has a public feed."""
    community = Community.objects.readable_by(AnonymousUser()).filter(slug=slug).first()
    if community is None:
        raise Http404
    return community


def community_feed(request: HttpRequest, slug: str, stream: str, fmt: str) -> HttpResponse:
    """New experiences or open challenges of a public community, as RSS or Atom."""
    if fmt not in FORMATS or stream not in STREAMS:
        raise Http404
    community = _public_community(slug)
    posts = _posts(AnonymousUser(), community, stream=stream)
    return _render(
        request, fmt=fmt, community=community, posts=posts, stream=stream, cache="public"
    )


def community_tag_feed(request: HttpRequest, slug: str, tag: str, fmt: str) -> HttpResponse:
    """A public community's posts on one topic; an unknown topic is an empty feed."""
    if fmt not in FORMATS:
        raise Http404
    community = _public_community(slug)
    found = Tag.objects.filter(slug=tag).first()
    posts = _posts(AnonymousUser(), community, stream="all", tag=found.slug) if found else []
    return _render(
        request,
        fmt=fmt,
        community=community,
        posts=posts,
        stream="all",
        tag=found.name if found else tag,
        cache="public",
    )


def member_feed(request: HttpRequest, token: str, slug: str, stream: str, fmt: str) -> HttpResponse:
    """A community's feed for the member whose secret address this is.

    An unknown or revoked token is a 404. A community the owner may not read (they
    left, were removed or banned, or it does not exist) is an empty feed, so the
    address reveals nothing about communities its owner cannot see.
    """
    if fmt not in FORMATS or stream not in STREAMS:
        raise Http404
    owner = feed_token_owner(token=token, purpose=FeedPurpose.POSTS)
    if owner is None:
        raise Http404
    community = Community.objects.readable_by(owner).filter(slug=slug).first()
    posts = _posts(owner, community, stream=stream)
    response = _render(
        request, fmt=fmt, community=community, posts=posts, stream=stream, cache="private"
    )
    # The address is a secret: keep it out of referrers and search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def feed_alternates(
    user: User | AnonymousUser, community: Community, *, stream: str = "", tag: str = ""
) -> list[dict]:
    """`<link rel="alternate">` entries for a community page seen by `user`.

    Public communities advertise their public feeds. A members-only community
    advertises the viewer's own secret address, and only when the viewer can read it;
    the token is never shown to anyone else.
    """
    titles = {"rss": "RSS", "atom": "Atom"}
    types = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
    stream = stream if stream in STREAMS else "experiences"
    # Readable signed out: the rule `Community.objects.readable_by` derives from.
    if reads_content_as(Standing.OUTSIDER, community.stage, community.visibility):
        if tag:
            urls = {
                f: reverse("practices:community_tag_feed", args=[community.slug, tag, f])
                for f in FORMATS
            }
        else:
            urls = {
                f: reverse("practices:community_feed", args=[community.slug, stream, f])
                for f in FORMATS
            }
    elif (
        not tag
        and user.is_authenticated
        and Community.objects.readable_by(user).filter(pk=community.pk).exists()
    ):
        token = feed_token_for(user=user, purpose=FeedPurpose.POSTS).token
        urls = {
            f: reverse("practices:member_feed", args=[token, community.slug, stream, f])
            for f in FORMATS
        }
    else:
        return []
    title = _title(community, stream, tag)
    return [
        {"type": types[f], "href": absolute_url(url), "title": f"{title} ({titles[f]})"}
        for f, url in urls.items()
    ]
