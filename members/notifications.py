"""Notifications: who hears about what, on which channel, and the emails that follow.

Services call `notify` (one person) or one of the fan-out helpers below, inside their
own transaction, so a notification exists exactly when its cause does. Nobody hears
about their own action, and nobody hears about something they cannot see now: every
check goes through the same scoped querysets as the pages (`Post.objects.visible_to`,
`Comment.objects.visible_to`, `Community.objects.visible_to`). The emails sent later
check again with the recipient's permissions at that moment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.models import Community, Membership
from config.links import absolute_reverse, absolute_url
from practices.models import Comment, Post, PostFollow, TagFollow

from .emails import email_send
from .models import (
    DEFAULT_CHANNELS,
    Channel,
    Notification,
    NotificationKind,
    NotificationSetting,
    User,
)

Kind = NotificationKind
Status = Notification.EmailStatus

DEFAULT_EMAIL_DELAY = timedelta(minutes=5)
# Recipients whose visibility is checked in one query (one EXISTS per recipient).
VISIBILITY_CHUNK = 50
# Kinds that announce a new comment: a person hears about one comment once, under
# the most specific of these kinds (reply or answer, then mention, then follow).
CONVERSATION_KINDS = (Kind.REPLY, Kind.ANSWER, Kind.MENTION, Kind.FOLLOWED_POST)
# Kinds that announce a new post.
NEW_POST_KINDS = (Kind.MENTION, Kind.FOLLOWED_TAG)
EXCERPT_CHARS = 200
TITLE_CHARS = 80
UNREAD_CAP = 99


def email_delay() -> timedelta:
    return getattr(settings, "NOTIFICATION_EMAIL_DELAY", DEFAULT_EMAIL_DELAY)


def channels_for(user_ids: Sequence[int], kind: str) -> dict[int, str]:
    """Each member's channel for `kind`: their own choice, else the default."""
    chosen = dict(
        NotificationSetting.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "channel"
        )
    )
    return {pk: chosen.get(pk, DEFAULT_CHANNELS[kind]) for pk in user_ids}


def channels_of(user: User) -> dict[str, str]:
    """One member's channel for every kind."""
    chosen = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values}


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _scope(kind: str, *, community, post, comment):
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


def who_can_see(users: Sequence[User], *, kind: str, community=None, post=None, comment=None):
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


def _already_notified(user_ids, *, kind: str, actor, post, comment) -> set[int]:
    """Who already heard about this very event, so that nobody hears about it twice."""
    if comment is not None:
        kinds = CONVERSATION_KINDS if kind in CONVERSATION_KINDS else (kind,)
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
    actor=None,
    community=None,
    post=None,
    comment=None,
    summary: str = "",
    url: str = "",
) -> list[Notification]:
    """Notify several people of one event (see `notify`). A handful of queries in all,
    whatever the number of recipients."""
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
    actor=None,
    community=None,
    post=None,
    comment=None,
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
        summary=summary,
        url=url,
    )
    return created[0] if created else None


# --- Events: one call from each service -----------------------------------------------


def _excerpt(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(EXCERPT_CHARS)


def notify_comment_created(comment: Comment) -> None:
    """A new comment: the post's author hears of a reply (an answer, on a challenge),
    the author of the comment replied to hears of a reply."""
    post = comment.post
    context = {
        "actor": comment.author,
        "post": post,
        "comment": comment,
        "summary": _excerpt(comment.body),
        "url": comment.get_absolute_url(),
    }
    kind = Kind.ANSWER if post.is_challenge else Kind.REPLY
    notify(recipient=post.author, kind=kind, **context)
    if comment.parent_id is not None:
        notify(recipient=comment.parent.author, kind=Kind.REPLY, **context)


def notify_post_followers(comment: Comment) -> None:
    """Followers of the post hear of a new comment, unless they heard already (as the
    author, the person replied to, or someone mentioned)."""
    followers = User.objects.filter(
        pk__in=PostFollow.objects.filter(post_id=comment.post_id).values("user_id")
    )
    notify_many(
        followers,
        kind=Kind.FOLLOWED_POST,
        actor=comment.author,
        post=comment.post,
        comment=comment,
        summary=_excerpt(comment.body),
        url=comment.get_absolute_url(),
    )


def notify_mentions(*, post: Post, comment: Comment | None, author, users: Sequence[User]) -> None:
    """People @mentioned for the first time in a post or comment."""
    target = comment or post
    notify_many(
        users,
        kind=Kind.MENTION,
        actor=author,
        post=post,
        comment=comment,
        summary=_excerpt(comment.body if comment else post.title),
        url=target.get_absolute_url(),
    )


def notify_tag_followers(post: Post) -> None:
    """A new post: people who follow one of its topics and may read the community."""
    followers = User.objects.filter(
        pk__in=TagFollow.objects.filter(tag__in=post.tags.all()).values("user_id")
    )
    # Who may read the post is decided by notify_many through Post.objects.visible_to.
    notify_many(
        followers,
        kind=Kind.FOLLOWED_TAG,
        actor=post.author,
        post=post,
        summary=_excerpt(post.title),
        url=post.get_absolute_url(),
    )


def notify_helpful(comment: Comment, *, by) -> None:
    """The author of an answer hears that it was marked helpful."""
    notify(
        recipient=comment.author,
        kind=Kind.HELPFUL,
        actor=by,
        post=comment.post,
        comment=comment,
        summary=_excerpt(comment.body),
        url=comment.get_absolute_url(),
    )


def notify_applied(reaction) -> None:
    """The author of an experience hears that someone applied it."""
    post = reaction.post
    notify(
        recipient=post.author,
        kind=Kind.APPLIED,
        actor=reaction.user,
        post=post,
        summary=_excerpt(reaction.note),
        url=post.get_absolute_url(),
    )


def notify_membership_decision(membership: Membership, *, approved: bool, by) -> None:
    """The applicant hears the facilitators' decision and their message.

    The sentence is written in the applicant's language now: whether it was approved
    is not kept anywhere else on the notification.
    """
    user, community = membership.user, membership.community
    with translation.override(user.language):
        if approved:
            text = _("Your request to join %(name)s was approved.")
        else:
            text = _("Your request to join %(name)s was declined.")
        text %= {"name": community.name}
        if membership.decision_message.strip():
            text = _("%(decision)s Their message: %(message)s") % {
                "decision": text,
                "message": membership.decision_message.strip(),
            }
    notify(
        recipient=user,
        kind=Kind.MEMBERSHIP,
        actor=by,
        community=community,
        summary=Truncator(text).chars(300),
        url=community.get_absolute_url(),
    )


def notify_invitation(invitation) -> bool:
    """Tell the account holder of an invited address, on the site and through their
    channel. Returns False when no member owns the address (verified): the caller
    then sends the invitation email itself."""
    from allauth.account.models import EmailAddress

    owner_ids = EmailAddress.objects.filter(email__iexact=invitation.email, verified=True).values(
        "user_id"
    )
    user = User.objects.filter(pk__in=owner_ids, is_active=True).first()
    if user is None:
        return False
    notify(
        recipient=user,
        kind=Kind.INVITATION,
        actor=invitation.invited_by,
        community=invitation.community,
        summary=_excerpt(invitation.message),
        url=invitation.get_absolute_url(),
    )
    return True


def notify_charter_version(version) -> None:
    """Members who have not accepted a new material charter version hear they must."""
    community = version.community
    members = User.objects.filter(
        memberships__community=community,
        memberships__status=Membership.Status.ACTIVE,
        memberships__accepted_charter_number__lt=version.number,
    )
    notify_many(
        members,
        kind=Kind.CHARTER,
        actor=version.published_by,
        community=community,
        summary=_excerpt(version.summary),
        url=reverse("communities:charter", args=[community.slug]),
    )


# --- Reading ------------------------------------------------------------------------


@transaction.atomic
def mark_read(user: User, ids: Iterable[int] | Literal["all"]) -> int:
    """Mark some (or "all") of `user`'s notifications read. Returns how many changed.

    A pending email for a notification read in the meantime is skipped."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids != "all":
        unread = unread.filter(pk__in=[int(pk) for pk in ids])
    return unread.update(read_at=timezone.now())


@transaction.atomic
def mark_opened(user: User, notification: Notification) -> int:
    """Opening a notification reads it, and whatever else is unread about the same post:
    the person is about to see all of it."""
    same = Q(pk=notification.pk)
    if notification.post_id:
        same |= Q(post_id=notification.post_id)
    return Notification.objects.filter(same, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user: User) -> int:
    """How many notifications `user` has not read: one COUNT over the partial index of
    unread rows. The authentication backends load it with the user instead, as
    `user.unread_notification_count`, so that pages pay no query for it."""
    loaded = getattr(user, "unread_notification_count", None)
    if loaded is not None:
        return loaded
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_count_subquery() -> Coalesce:
    """`unread_count` as a subquery over the users table (see members/backends.py)."""
    counted = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def _title(post: Post | None) -> str:
    return Truncator(post.title).chars(TITLE_CHARS) if post else ""


def headline(notification: Notification) -> str:
    """One sentence saying what happened, in the active language."""
    n = notification
    actor = n.actor.display_name if n.actor else _("Someone")
    values = {
        "actor": actor,
        "title": _title(n.post),
        "community": n.community.name if n.community else "",
    }
    if n.kind == Kind.REPLY:
        if n.post and n.post.author_id == n.recipient_id:
            return _("%(actor)s replied to your post “%(title)s”") % values
        return _("%(actor)s replied to your comment on “%(title)s”") % values
    if n.kind == Kind.ANSWER:
        return _("%(actor)s answered your challenge “%(title)s”") % values
    if n.kind == Kind.HELPFUL:
        return _("%(actor)s marked your answer on “%(title)s” as helpful") % values
    if n.kind == Kind.MENTION:
        return _("%(actor)s mentioned you in “%(title)s”") % values
    if n.kind == Kind.APPLIED:
        return _("%(actor)s applied your experience “%(title)s”") % values
    if n.kind == Kind.MEMBERSHIP:
        return n.summary or _("The facilitators of %(community)s decided on your request") % (
            values
        )
    if n.kind == Kind.INVITATION:
        return _("%(actor)s invited you to join %(community)s") % values
    if n.kind == Kind.CHARTER:
        return _("%(community)s published new rules: please read and accept them") % values
    if n.kind == Kind.FOLLOWED_POST:
        return _("%(actor)s commented on “%(title)s”, which you follow") % values
    if n.kind == Kind.FOLLOWED_TAG:
        return _("%(actor)s posted “%(title)s” in a topic you follow") % values
    return n.get_kind_display()


def short_headline(notification: Notification) -> str:
    """What happened, for a list under the post's title (an email folding several)."""
    n = notification
    values = {"actor": n.actor.display_name if n.actor else _("Someone")}
    if n.kind == Kind.REPLY:
        return _("%(actor)s replied") % values
    if n.kind == Kind.ANSWER:
        return _("%(actor)s answered") % values
    if n.kind == Kind.HELPFUL:
        return _("%(actor)s marked your answer as helpful") % values
    if n.kind == Kind.MENTION:
        return _("%(actor)s mentioned you") % values
    if n.kind == Kind.APPLIED:
        return _("%(actor)s applied it") % values
    if n.kind == Kind.FOLLOWED_POST:
        return _("%(actor)s commented") % values
    return headline(n)


def excerpt(notification: Notification) -> str:
    """The quoted text under the headline (a comment, a note, a message), if any."""
    if notification.kind == Kind.MEMBERSHIP:
        return ""  # the decision sentence is the headline
    if notification.kind == Kind.FOLLOWED_TAG and notification.post:
        return ""  # the title is in the headline
    return notification.summary


def with_visibility(queryset, user: User):
    """Annotate `can_see`: whether `user` may still see what each notification is
    about, through the same scoped querysets as the pages (three EXISTS, one query)."""
    comment_ok = Exists(Comment.objects.visible_to(user).filter(pk=OuterRef("comment_id")))
    post_ok = Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post_id")))
    community_ok = Exists(Community.objects.visible_to(user).filter(pk=OuterRef("community_id")))
    return queryset.annotate(
        can_see=Case(
            When(comment_id__isnull=False, then=comment_ok),
            When(post_id__isnull=False, then=post_ok),
            When(kind=Kind.INVITATION, then=True),
            When(community_id__isnull=False, then=community_ok),
            default=True,
            output_field=BooleanField(),
        )
    )


# --- Preferences --------------------------------------------------------------------


@transaction.atomic
def preferences_save(
    *,
    user: User,
    channels: dict[str, str],
    digest_cadence: str,
    digest_included: dict[int, bool],
) -> None:
    """Store a member's channel per kind, their digest cadence, and which of their
    communities the digest covers (`digest_included`: membership id → included)."""
    rows = [
        NotificationSetting(user=user, kind=kind, channel=channel)
        for kind, channel in channels.items()
        if kind in Kind.values and channel in Channel.values
    ]
    NotificationSetting.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["channel"]
    )
    if digest_cadence != user.digest_cadence:
        user.digest_cadence = digest_cadence
        user.save(update_fields=["digest_cadence"])
    mine = Membership.objects.active().filter(user=user)
    excluded = [pk for pk, included in digest_included.items() if not included]
    included = [pk for pk, included in digest_included.items() if included]
    if excluded:
        mine.filter(pk__in=excluded, digest_opt_out=False).update(digest_opt_out=True)
    if included:
        mine.filter(pk__in=included, digest_opt_out=True).update(digest_opt_out=False)


# --- Immediate emails ---------------------------------------------------------------


@dataclass
class SendResult:
    emails: int = 0
    sent: int = 0
    skipped: int = 0


def _absolute(path: str) -> str:
    return absolute_url(path)


def _subject(items: list[Notification]) -> str:
    if len(items) == 1:
        return headline(items[0])
    title = _title(items[0].post)
    count = len(items)
    if all(n.comment_id and n.kind in CONVERSATION_KINDS for n in items):
        return ngettext(
            "%(count)d new reply on “%(title)s”", "%(count)d new replies on “%(title)s”", count
        ) % {"count": count, "title": title}
    return ngettext(
        "%(count)d update on “%(title)s”", "%(count)d updates on “%(title)s”", count
    ) % {"count": count, "title": title}


def _groups(items: list[Notification]) -> list[list[Notification]]:
    """Everything about one post goes in one email; everything else one by one."""
    by_post: dict[int, list[Notification]] = {}
    singles = []
    for n in items:
        if n.post_id:
            by_post.setdefault(n.post_id, []).append(n)
        else:
            singles.append([n])
    return [*by_post.values(), *singles]


def _dedupe_key(ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return f"notifications:{digest}"


def _send_group(user: User, items: list[Notification]) -> None:
    items = sorted(items, key=lambda n: (n.created_at, n.pk))
    folded = len(items) > 1
    entries = [
        {
            "headline": short_headline(n) if folded else headline(n),
            "excerpt": excerpt(n),
            "url": _absolute(n.url),
        }
        for n in items
    ]
    subject = _subject(items)
    email_send(
        "notifications",
        to=user.email,
        kind="notification",
        dedupe_key=_dedupe_key([n.pk for n in items]),
        context={
            "user": user,
            "subject": subject,
            "entries": entries,
            "url": entries[-1]["url"],
            "post": items[0].post,
            "folded": folded,
            "settings_url": absolute_reverse("members:notification_settings"),
        },
    )


@transaction.atomic
def send_notification_emails_to(user_id: int, *, now=None) -> SendResult:
    """Email one member what is due for them. Safe to run twice and concurrently.

    Read notifications are skipped. The rest are claimed with a conditional UPDATE on
    rows locked for this run (SKIP LOCKED: a concurrent run leaves them alone), then
    checked against the member's permissions and channel choices now, folded per
    post and queued in the outbox in this same transaction.
    """
    now = now or timezone.now()
    due = Notification.objects.filter(
        recipient_id=user_id, email_status=Status.PENDING, email_due_at__lte=now
    )
    result = SendResult()
    result.skipped += due.filter(read_at__isnull=False).update(email_status=Status.SKIPPED)
    ids = list(
        due.filter(read_at__isnull=True)
        .order_by()
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return result
    claimed = Notification.objects.filter(pk__in=ids, email_status=Status.PENDING)
    if claimed.update(email_status=Status.SENT, emailed_at=now) != len(ids):
        raise RuntimeError("Locked notifications changed under the lock.")  # pragma: no cover
    user = User.objects.get(pk=user_id)
    items = list(
        with_visibility(Notification.objects.filter(pk__in=ids), user).select_related(
            "actor", "post__community", "community", "comment"
        )
    )
    # The member may have changed their mind since: their channel now decides.
    chosen = dict(
        NotificationSetting.objects.filter(user_id=user_id).values_list("kind", "channel")
    )
    keep, skip, to_digest = [], [], []
    for n in items:
        channel = chosen.get(n.kind, DEFAULT_CHANNELS[n.kind]) if user.is_active else Channel.OFF
        if not n.can_see or channel == Channel.OFF:
            skip.append(n.pk)
        elif channel == Channel.DIGEST:
            to_digest.append(n.pk)
        else:
            keep.append(n)
    if skip:
        Notification.objects.filter(pk__in=skip).update(
            email_status=Status.SKIPPED, emailed_at=None
        )
    if to_digest:
        Notification.objects.filter(pk__in=to_digest).update(
            email_status=Status.DIGEST, emailed_at=None
        )
    with translation.override(user.language):
        for group in _groups(keep):
            _send_group(user, group)
            result.emails += 1
    result.sent += len(keep)
    result.skipped += len(skip)
    return result


def send_notification_emails(*, now=None, limit: int = 1000) -> SendResult:
    """Email every member whose notifications are due (at most `limit` members per run;
    the next run takes the rest). Safe to run twice and concurrently."""
    now = now or timezone.now()
    recipient_ids = list(
        Notification.objects.filter(email_status=Status.PENDING, email_due_at__lte=now)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
    total = SendResult()
    for user_id in recipient_ids:
        result = send_notification_emails_to(user_id, now=now)
        total.emails += result.emails
        total.sent += result.sent
        total.skipped += result.skipped
    return total
