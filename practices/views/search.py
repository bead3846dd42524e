"""Finding knowledge across communities: search, similar experiences, lessons, topics.

Every list here starts from `Post.objects.visible_to(request.user)`: what a viewer may
not read never shows up, whichever page they come through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from communities.models import Community, Membership
from config.htmx import fragment_or_page
from config.pagination import OffsetPage
from config.permissions import can

from .. import services
from ..forms.search import LessonsFilterForm, SearchForm
from ..models import Post, PostTag, TagFollow
from ..permissions import check_can_edit_playbook
from ..playbook.search import search_playbook
from ..search import CANDIDATES, search_posts, similar_experiences
from ..tags import normalise_tag

SEARCH_PAGE_SIZE = 20
TAG_PAGE_SIZE = 20
LESSON_TOPICS_PER_PAGE = 6
LESSONS_PER_TOPIC = 5
LESSONS_PER_PAGE = 20
# The library groups the newest lessons only, so its cost does not grow with the archive.
LESSON_WINDOW = 1000


def _offset(request, *, maximum: int = 10_000) -> int:
    try:
        return min(max(int(request.GET.get("offset", 0)), 0), maximum)
    except (TypeError, ValueError):
        return 0


def _readable_communities(user) -> list[Community]:
    """The communities for the filter menus: one query, only what the menus need."""
    return list(
        Community.objects.readable_by(user).only("pk", "slug", "name").order_by("name", "pk")
    )


def _find_tag(value: str) -> Tag | None:
    """A topic by its slug or by its (normalised) name."""
    return Tag.objects.filter(Q(slug=value) | Q(name=normalise_tag(value))).first()


# --- Search --------------------------------------------------------------------------


def search(request):
    form = SearchForm(request.GET or None, communities=_readable_communities(request.user))
    filters = form.filters()
    page = search_posts(
        request.user,
        filters.get("q", ""),
        community=filters.get("community"),
        kind=filters.get("kind"),
        outcome=filters.get("outcome"),
        tag=filters.get("tag"),
        limit=SEARCH_PAGE_SIZE,
        offset=_offset(request, maximum=CANDIDATES),
    )
    has_filters = any(filters.get(k) for k in ("community", "kind", "outcome", "tag"))
    # Playbook pages, in their own section: on the first page of results, when no
    # filter that only posts have is chosen.
    playbook_hits = []
    if page.offset == 0 and not any(filters.get(k) for k in ("kind", "outcome", "tag")):
        playbook_hits = search_playbook(
            request.user, filters.get("q", ""), community=filters.get("community")
        )
    context = {
        "form": form,
        "page": page,
        "query": page.query,
        "has_filters": has_filters,
        "playbook_hits": playbook_hits,
    }
    template = fragment_or_page(request, "practices/search/search.html", "results")
    return render(request, template, context)


def similar(request):
    """While someone types a title: experiences members already shared on that subject."""
    community = None
    if slug := request.GET.get("community", "").strip():
        community = Community.objects.readable_by(request.user).filter(slug=slug).first()
    posts = similar_experiences(request.user, request.GET.get("title", ""), community=community)
    if not posts:
        return HttpResponse("")
    return render(request, "practices/search/similar.html", {"posts": posts})


# --- Lessons library -----------------------------------------------------------------


@dataclass
class LessonTopic:
    tag_name: str
    tag_slug: str
    lessons: list[Post] = field(default_factory=list)
    has_more: bool = False
    count: int | None = None


def _topics_with_lessons(lessons, *, offset: int) -> OffsetPage:
    """One page of topics among the newest lessons, most used first, with up to
    `LESSONS_PER_TOPIC` lessons each: two queries, however many lessons exist."""
    window = lessons.order_by("-published_at").values("pk")[:LESSON_WINDOW]
    rows = list(
        PostTag.objects.filter(content_object__in=window)
        .values("tag_id", "tag__name", "tag__slug")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "tag__name")[offset : offset + LESSON_TOPICS_PER_PAGE + 1]
    )
    page = OffsetPage.from_rows(rows, offset=offset, limit=LESSON_TOPICS_PER_PAGE)
    topics = {
        row["tag_id"]: LessonTopic(
            tag_name=row["tag__name"], tag_slug=row["tag__slug"], count=row["uses"]
        )
        for row in page.items
    }
    if not topics:
        page.items = []
        return page
    newest_first = [F("content_object__published_at").desc(), F("content_object_id").desc()]
    tagged = (
        PostTag.objects.filter(tag_id__in=list(topics), content_object__in=window)
        .annotate(position=Window(RowNumber(), partition_by=[F("tag_id")], order_by=newest_first))
        .filter(position__lte=LESSONS_PER_TOPIC + 1)
        .select_related("content_object__community", "content_object__author")
        .order_by("tag_id", "position")
    )
    for item in tagged:
        topic = topics[item.tag_id]
        if len(topic.lessons) < LESSONS_PER_TOPIC:
            topic.lessons.append(item.content_object)
        else:
            topic.has_more = True
    page.items = list(topics.values())
    return page


def _playbook_community_ids(user) -> set[int]:
    """The communities where `user` may add a lesson to the playbook: their team
    memberships (one query), each checked with the playbook's rule."""
    if not user.is_authenticated:
        return set()
    memberships = (
        Membership.objects.active()
        .filter(user=user, role__in=Membership.TEAM_ROLES)
        .select_related("community")
    )
    return {
        m.community_id for m in memberships if can(check_can_edit_playbook, user, m.community, m)
    }


def lessons(request):
    """What members learned and would recommend, grouped by topic."""
    form = LessonsFilterForm(request.GET or None, communities=_readable_communities(request.user))
    filters = form.filters()
    library = (
        Post.objects.visible_to(request.user).filter(kind=Post.Kind.EXPERIENCE).exclude(learned="")
    )
    if community := filters.get("community"):
        library = library.filter(community=community)
    offset = _offset(request)
    topic = None
    if tag_value := filters.get("tag"):
        # One topic: its lessons, newest first, page by page.
        tag = _find_tag(tag_value)
        rows = []
        if tag is not None:
            rows = list(
                library.filter(pk__in=PostTag.objects.filter(tag=tag).values("content_object"))
                .select_related("community", "author")
                .order_by("-published_at", "-pk")[offset : offset + LESSONS_PER_PAGE + 1]
            )
        page = OffsetPage.from_rows(rows, offset=offset, limit=LESSONS_PER_PAGE)
        topic = LessonTopic(
            tag_name=tag.name if tag else tag_value,
            tag_slug=tag.slug if tag else tag_value,
            lessons=page.items,
        )
    else:
        page = _topics_with_lessons(library, offset=offset)
    context = {
        "form": form,
        "page": page,
        "playbook_community_ids": _playbook_community_ids(request.user),
        "topic": topic,
        "topics": ([topic] if topic.lessons else []) if topic else page.items,
        "community": filters.get("community"),
    }
    return render(request, "practices/search/lessons.html", context)


# --- Topics --------------------------------------------------------------------------


def tag(request, tag: str):
    """Posts on one topic across every community the viewer can read.

    An unknown topic looks like a topic without posts, so the page does not tell
    whether a topic is used only in communities the viewer cannot read.
    """
    topic = _find_tag(tag)
    offset = _offset(request)
    rows = []
    if topic is not None:
        rows = list(
            Post.objects.visible_to(request.user)
            .filter(pk__in=PostTag.objects.filter(tag=topic).values("content_object"))
            .with_list_related()
            .order_by("-published_at", "-pk")[offset : offset + TAG_PAGE_SIZE + 1]
        )
    page = OffsetPage.from_rows(rows, offset=offset, limit=TAG_PAGE_SIZE)
    is_following = bool(
        topic
        and request.user.is_authenticated
        and TagFollow.objects.filter(user=request.user, tag=topic).exists()
    )
    context = {
        "tag_name": topic.name if topic else normalise_tag(tag),
        "topic": topic,
        "page": page,
        "is_following": is_following,
        # Following is offered for topics the viewer can see posts on (or already follows).
        "can_follow": bool(topic and (page.items or page.has_previous or is_following)),
    }
    return render(request, "practices/search/tag.html", context)


@require_POST
@login_required
def tag_follow(request, tag: str):
    topic = _find_tag(tag)
    if topic is None:
        raise Http404
    follow = request.POST.get("follow") == "1"
    following = TagFollow.objects.filter(user=request.user, tag=topic).exists()
    visible = Post.objects.visible_to(request.user).filter(
        pk__in=PostTag.objects.filter(tag=topic).values("content_object")
    )
    if follow and not following and not visible.exists():
        raise Http404
    services.tag_follow_set(tag=topic, user=request.user, active=follow)
    context = {"topic": topic, "is_following": follow, "can_follow": True}
    if request.htmx:
        return render(request, "practices/search/tag.html#follow", context)
    if follow:
        messages.success(request, _("You follow #%(tag)s now.") % {"tag": topic.name})
    else:
        messages.success(request, _("You no longer follow #%(tag)s.") % {"tag": topic.name})
    return redirect("practices:tag", tag=topic.slug)
