"""Shared data and helpers for the notification tests."""

from datetime import timedelta

from django.utils import timezone

from communities.models import Community, Membership
from members.models import Notification, OutboundEmail
from practices.models import Post
from tests.factories import MembershipFactory, UserFactory

EXPERIENCE = {
    "title": "Bedside handover with the patient",
    "tried": "We moved the handover to the bedside.",
    "happened": "Patients corrected two mistakes in the first week.",
    "learned": "Patients are the best check on what we say.",
}
CHALLENGE = {"title": "Night shifts forget the fluid charts", "situation": "A 28-bed ward."}


def join(community: Community, user=None, **fields) -> Membership:
    return MembershipFactory(community=community, user=user or UserFactory(), **fields)


def notes(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def later(minutes: int = 10):
    return timezone.now() + timedelta(minutes=minutes)


def emails_to(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=user.email).order_by("pk"))


def make_notifications(user, count: int, *, community, actor) -> None:
    posts = [
        Post.objects.create(
            community=community,
            author=user,
            kind="experience",
            title=f"Post {i}",
            published_at=timezone.now(),
        )
        for i in range(2)
    ]
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            actor=actor,
            kind="reply",
            community=community,
            post=posts[i % 2],
            summary=f"Reply number {i}",
            url=posts[i % 2].get_absolute_url(),
        )
        for i in range(count)
    )
