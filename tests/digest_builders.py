"""Communities with members and fresh content, written straight to the tables, for the
digest tests (the services that write these rows have their own tests)."""

from datetime import timedelta

from django.utils import timezone

from communities.models import Community, Membership
from practices.models import Post, Reaction
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.practices.conftest import PostFactory

LONG_AGO = timedelta(days=60)


def long_ago():
    return timezone.now() - LONG_AGO


def community(name: str = "Safe handovers", **fields) -> Community:
    """A launched public community whose facilitator joined long ago (and, like every
    author made up here, gets no digest: the tests' readers are created explicitly)."""
    made = CommunityFactory(name=name, **fields)
    MembershipFactory(
        community=made,
        user=UserFactory(digest_cadence="off"),
        facilitator=True,
        joined_at=long_ago(),
    )
    return made


def member(community: Community, user=None, *, help_with=(), joined_at=None, **fields):
    """An active member (joined long ago unless told), with "can help with" tags."""
    membership = MembershipFactory(
        community=community,
        user=user or UserFactory(**fields),
        joined_at=joined_at or long_ago(),
    )
    if help_with:
        membership.can_help_with.set(list(help_with))
    return membership.user


def experience(community: Community, *, author=None, when=None, **fields) -> Post:
    author = author or member(community, digest_cadence="off")
    when = when or timezone.now() - timedelta(hours=1)
    return PostFactory(
        community=community, author=author, published_at=when, last_activity_at=when, **fields
    )


def challenge(community: Community, *, author=None, when=None, **fields) -> Post:
    return experience(community, author=author, when=when, challenge=True, **fields)


def applied(post: Post, *, user=None, note: str = "Tried it on nights: it worked.", when=None):
    return Reaction.objects.create(
        post=post,
        user=user or member(post.community, digest_cadence="off"),
        kind=Reaction.Kind.APPLIED,
        note=note,
        created_at=when or timezone.now() - timedelta(minutes=30),
    )


def remove(community: Community, user) -> None:
    Membership.objects.filter(community=community, user=user).update(
        status=Membership.Status.REMOVED, ended_at=timezone.now()
    )
