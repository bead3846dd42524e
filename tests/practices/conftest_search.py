"""Fixtures for the search, lessons, topics and profile tests.

Import explicitly: `from tests.practices.conftest_search import *  # noqa: F403`.
Communities and posts are made through the services; only the data-volume helper writes
rows directly (the database computes their search vectors all the same).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from communities import services as community_services
from communities.models import Community, Membership
from practices import services
from practices.models import Post, PostTag
from tests import builders
from tests.factories import UserFactory


def launch(facilitator, *, name: str, visibility: str = "public") -> Community:
    """A launched community that anyone may join after accepting the rules."""
    return builders.launch_community(
        facilitator,
        name=name,
        challenge="Sharing what we tried on the ward.",
        visibility=visibility,
        join_policy="open",
        purpose="Members compare concrete practice between wards and teams.",
    )


def join(community: Community, user) -> None:
    membership = community_services.membership_join(
        community=Community.objects.get(pk=community.pk), user=user, accepted_rules=True
    )
    # Members of long standing: new members may share only a few posts a day.
    Membership.objects.filter(pk=membership.pk).update(
        joined_at=timezone.now() - timedelta(days=60)
    )


def share(community: Community, author, title: str, *, tags=(), **fields) -> Post:
    """An experience written through the service (neutral filler in the required parts)."""
    data = {
        "title": title,
        "tried": "A new routine for the team.",
        "happened": "It changed how the team worked.",
        "learned": "Small routines last longer.",
        "outcome": Post.Outcome.WORKED,
        **fields,
    }
    return services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=author,
        kind=Post.Kind.EXPERIENCE,
        data=data,
        tags=tags,
    )


def ask(community: Community, author, title: str, *, tags=(), **fields) -> Post:
    data = {"title": title, "situation": "We are stuck with this.", **fields}
    return services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=author,
        kind=Post.Kind.CHALLENGE,
        data=data,
        tags=tags,
    )


def bulk_experiences(community: Community, author, count: int, *, tag: str = "rota") -> None:
    """Many published experiences at once, all tagged `tag`, for query-budget tests."""
    now = timezone.now()
    posts = Post.objects.bulk_create(
        Post(
            community=community,
            author=author,
            kind=Post.Kind.EXPERIENCE,
            title=f"Weekend rota experiment {i}",
            tried="Swapping the weekend rota between wards.",
            happened="The rota held for a month.",
            outcome=Post.Outcome.MIXED,
            learned=f"Rotas need an owner (lesson {i}).",
            recommend="Name one person who keeps the rota.",
            published_at=now,
            last_activity_at=now,
        )
        for i in range(count)
    )
    topic, _ = Tag.objects.get_or_create(name=tag, defaults={"slug": tag})
    PostTag.objects.bulk_create(PostTag(content_object=post, tag=topic) for post in posts)


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fran Facilitator")


@pytest.fixture
def member(db):
    return UserFactory(display_name="Mo Member")


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Olu Outsider")


@pytest.fixture
def public_community(facilitator, member):
    community = launch(facilitator, name="Open wards")
    join(community, member)
    return Community.objects.get(pk=community.pk)


@pytest.fixture
def private_community(facilitator, member):
    community = launch(facilitator, name="Closed wards", visibility="members")
    join(community, member)
    return Community.objects.get(pk=community.pk)
