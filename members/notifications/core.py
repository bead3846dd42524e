"""The fan-out: who hears about an event, and on which channel.

Services call `notify` (one person) or `notify_many` (several) inside their own
transaction, so a notification exists exactly when its cause does. Nobody hears about
their own action, nobody hears about one event twice, and nobody hears about something
they cannot see now: `who_can_see` checks each person through the same scoped querysets
as the pages (`Post.objects.visible_to`, `Comment.objects.visible_to`,
`Community.objects.visible_to`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, Q, QuerySet
from django.utils import timezone

from communities.models import Community, Invitation
from practices.models import Comment, Post

from ..models import Channel, Notification, NotificationKind, User
from .preferences import channels_for

Kind = NotificationKind
Status = Notification.EmailStatus

DEFAULT_EMAIL_DELAY = timedelta(minutes=5)
# Recipients whose visibility is checked in one query (one EXISTS per recipient).
VISIBILITY_CHUNK = 50
# Kinds that announce a new comment: a person hears about one comment once, under
# the most specific of these kinds (reply or answer, then mention, then follow).
CONVERSATION_KINDS = (Kind.REPLY, Kind.ANSWER, Kind.MENTION, Kind.FOLLOWED_POST)
ANSWER_AND_MENTION = (Kind.ANSWER, Kind.MENTION)
# Kinds that announce a new post.
NEW_POST_KINDS = (Kind.MENTION, Kind.FOLLOWED_TAG)


def email_delay() -> timedelta:
    return getattr(settings, "NOTIFICATION_EMAIL_DELAY", DEFAULT_EMAIL_DELAY)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _scope(
    kind: str,
    *,
    community: Community | None,
    post: Post | None,
    comment: Comment | None,
) -> tuple[type[Model], int, Callable[..., QuerySet]] | None:
    """The model, primary key and scoped queryset that decide whether a person may see
    what a notification is about; None when it is about nothing that needs a check."""
    if comment is not None:
        return Comment, comment.pk, Comment.objects.visible_to
    if post is not None:
        return Post, post.pk, Post.objects.visible_to
    if community is not None and kind != Kind.INVITATION:
        return Community, community.pk, Community.objects.visible_to
    # An invitation is its own permission: its link opens the invitation page for the
    # invited address, even for a hidden community or one still in planning.
    return None


def who_can_see(
    users: Sequence[User],
    *,
    kind: str,
    community: Community | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
) -> set[int]:
    """The ids of `users` who may see the subject now.

    Each person is checked with their own `visible_to` queryset, so the rule itself is
    never copied here: one query per VISIBILITY_CHUNK people (an EXISTS each). A
    subject that signed-out visitors may see needs no per-person check at all.
    """
    scope = _scope(kind, community=community, post=post, comment=comment)
    if scope is None:
        return {user.pk for user in users}
    model, pk, visible_to = scope
    if len(users) > 1 and visible_to(AnonymousUser()).filter(pk=pk).exists():
        # Signing in never hides anything: what a visitor may see, every member may.
        return {user.pk for user in users}
    allowed = set()
    for chunk in _chunks(list(users), VISIBILITY_CHUNK):
        checks = {f"u{user.pk}": Exists(visible_to(user).filter(pk=pk)) for user in chunk}
        row = model._base_manager.filter(pk=pk).values(**checks).first() or {}
        allowed |= {user.pk for user in chunk if row.get(f"u{user.pk}")}
    return allowed


def _already_notified(
    user_ids: list[int],
    *,
    kind: str,
    actor: User | None,
    post: Post | None,
    comment: Comment | None,
) -> set[int]:
    """Who already heard about this very event, so that nobody hears about it twice."""
    if comment is not None:
        kinds = CONVERSATION_KINDS if kind in CONVERSATION_KINDS else (kind,)
        # An answer that also names the challenge's author is both: they hear of each.
        if kind in ANSWER_AND_MENTION:
            kinds = tuple(k for k in kinds if k == kind or k not in ANSWER_AND_MENTION)
        lookup = Q(comment=comment, kind__in=kinds)
    elif post is not None and kind in NEW_POST_KINDS:
        lookup = Q(post=post, comment__isnull=True, kind__in=NEW_POST_KINDS)
    elif post is not None:
        # "I applied this", taken back and given again, is still one event.
        lookup = Q(post=post, kind=kind, actor=actor)
    else:
        return set()
    return set(
        Notification.objects.filter(lookup, recipient_id__in=user_ids).values_list(
            "recipient_id", flat=True
        )
    )


def notify_many(
    recipients: Iterable[User],
    *,
    kind: str,
    actor: User | None = None,
    community: Community | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
    invitation: Invitation | None = None,
    summary: str = "",
    url: str = "",
) -> list[Notification]:
    """Notify several people of one event (see `notify`). A handful of queries in all,
    whatever the number of recipients. Safe to run twice: whoever already heard about
    this event is not told again."""
    actor_id = getattr(actor, "pk", None)
    people = {user.pk: user for user in recipients if user.is_active and user.pk != actor_id}
    if not people:
        return []
    if post is not None and community is None:
        community = post.community
    skip = _already_notified(list(people), kind=kind, actor=actor, post=post, comment=comment)
    candidates = [user for pk, user in people.items() if pk not in skip]
    allowed = who_can_see(candidates, kind=kind, community=community, post=post, comment=comment)
    if not allowed:
        return []
    channels = channels_for(sorted(allowed), kind)
    now = timezone.now()
    rows = []
    for pk in sorted(allowed):
        notification = Notification(
            recipient=people[pk],
            kind=kind,
            actor=actor,
            community=community,
            post=post,
            comment=comment,
            invitation=invitation,
            summary=summary[:300],
            url=url,
            created_at=now,
        )
        if channels[pk] == Channel.IMMEDIATE:
            notification.email_status = Status.PENDING
            notification.email_due_at = now + email_delay()
        elif channels[pk] == Channel.DIGEST:
            notification.email_status = Status.DIGEST
        rows.append(notification)
    return Notification.objects.bulk_create(rows)


def notify(
    *,
    recipient: User,
    kind: str,
    actor: User | None = None,
    community: Community | None = None,
    post: Post | None = None,
    comment: Comment | None = None,
    invitation: Invitation | None = None,
    summary: str = "",
    url: str = "",
) -> Notification | None:
    """Tell `recipient` that something happened, unless they did it themselves or cannot
    see it now. The member's channel for `kind` decides the email: IMMEDIATE waits
    NOTIFICATION_EMAIL_DELAY (skipped if read meanwhile), DIGEST goes to the digest,
    OFF stays on the site. Returns the notification, or None when nobody was told."""
    created = notify_many(
        [recipient],
        kind=kind,
        actor=actor,
        community=community,
        post=post,
        comment=comment,
        invitation=invitation,
        summary=summary,
        url=url,
    )
    return created[0] if created else None
