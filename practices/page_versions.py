"""Which cached pages a write changes: every save and delete of what pages show.

Signed-out visitors get community pages from the cache (config/page_cache.py). Signals
rather than calls in each service, so that nothing can change a page behind the cache's
back: the admin, moderation, a management command or a cascade all save or delete
through the models. The few bulk `update()`s on these tables (counters refreshed after a
comment or a reaction, a meeting's RSVP count) run in the same transaction as a save
caught here, so the bump after the commit covers them.

Site scope: people's names and pictures and topic names appear on every page.
"""

from __future__ import annotations

from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from taggit.models import Tag

from communities.meetings.models import Meeting, MeetingSeries, Rsvp
from communities.models import (
    CharterVersion,
    Community,
    JoinQuestion,
    Membership,
    Rule,
    StageChange,
)
from config import page_cache
from members.models import User

from .models import Attachment, Comment, Post, Reaction

# What a person changes on their profile that pages show next to their posts.
PUBLIC_PERSON_FIELDS = frozenset(
    {"display_name", "avatar", "bio", "is_active", "first_name", "last_name", "email"}
)


def _loaded(instance: Model, relation: str) -> Model | None:
    """A related object already in memory, or None (never a query)."""
    return instance._state.fields_cache.get(relation)


def _slug_of_community(community_id: int | None) -> list[str]:
    if community_id is None:
        return []
    return list(Community.objects.filter(pk=community_id).values_list("slug", flat=True))


def _slugs_of_post(post_id: int | None, post: Post | None = None) -> list[str]:
    if post is not None:
        community = _loaded(post, "community")
        if community is not None:
            return [community.slug]
        return _slug_of_community(post.community_id)
    if post_id is None:
        return []
    return list(Post.objects.filter(pk=post_id).values_list("community__slug", flat=True))


def _slugs(instance: Model) -> list[str]:
    if isinstance(instance, Community):
        return [instance.slug]
    if isinstance(instance, Post):
        return _slugs_of_post(instance.pk, instance)
    if isinstance(instance, Attachment) and instance.meeting_id is not None:
        return _slugs_of_meeting(instance)
    if isinstance(instance, Comment | Reaction | Attachment):
        return _slugs_of_post(instance.post_id, _loaded(instance, "post"))
    if isinstance(instance, Rsvp):
        return _slugs_of_meeting(instance)
    community = _loaded(instance, "community")
    if community is not None:
        return [community.slug]
    return _slug_of_community(instance.community_id)


def _slugs_of_meeting(instance: Rsvp | Attachment) -> list[str]:
    meeting = _loaded(instance, "meeting")
    if meeting is not None:
        return _slug_of_community(meeting.community_id)
    return list(
        Meeting.objects.filter(pk=instance.meeting_id).values_list("community__slug", flat=True)
    )


def _community_changed(sender: type[Model], instance: Model, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    page_cache.bump(*(page_cache.community_scope(slug) for slug in _slugs(instance)))


def _slug_renamed(sender: type[Model], instance: Community, **kwargs) -> None:
    """A renamed community leaves its old address's pages behind too."""
    if instance.pk is None or kwargs.get("raw"):
        return
    old = Community.objects.filter(pk=instance.pk).exclude(slug=instance.slug)
    for slug in old.values_list("slug", flat=True):
        page_cache.bump(page_cache.community_scope(slug))


def _person_changed(sender: type[Model], instance: User, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (fields is not None and not PUBLIC_PERSON_FIELDS & set(fields)):
        return
    page_cache.bump(page_cache.SITE)


def _site_changed(sender: type[Model], instance: Model, **kwargs) -> None:
    if not kwargs.get("raw"):
        page_cache.bump(page_cache.SITE)


COMMUNITY_CONTENT = (
    Community,
    CharterVersion,
    Rule,
    StageChange,
    JoinQuestion,
    Membership,
    Post,
    Comment,
    Reaction,
    Attachment,
    MeetingSeries,
    Meeting,
    Rsvp,
)


def connect() -> None:
    for model in COMMUNITY_CONTENT:
        uid = f"page-versions-{model._meta.label_lower}"
        post_save.connect(_community_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_community_changed, sender=model, dispatch_uid=uid)
    pre_save.connect(_slug_renamed, sender=Community, dispatch_uid="page-versions-rename")
    post_save.connect(_person_changed, sender=User, dispatch_uid="page-versions-person")
    post_delete.connect(_person_changed, sender=User, dispatch_uid="page-versions-person")
    post_save.connect(_site_changed, sender=Tag, dispatch_uid="page-versions-tag")
    post_delete.connect(_site_changed, sender=Tag, dispatch_uid="page-versions-tag")
