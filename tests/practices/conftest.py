"""Communities launched through the services, members who joined them, posts and comments."""

import factory
import pytest
from django.utils import timezone
from factory.django import DjangoModelFactory

from communities import services as community_services
from communities.models import Community, Membership
from practices import services
from practices.models import Comment, Post
from tests import builders
from tests.factories import UserFactory


def launch_community(facilitator, *, name: str = "Safe handovers", **fields) -> Community:
    """A launched community set up the way a facilitator does it (public and open by default).

    Its seed experience, needed for the launch, is removed again so that each test
    starts from a community without posts.
    """
    community = builders.launch_community(facilitator, name=name, **fields)
    Post.objects.filter(community=community).delete()
    return community


def add_member(community: Community, user=None, *, role: str = "member") -> Membership:
    """An active member who accepted the current rules (joined through an invitation)."""
    user = user or UserFactory()
    facilitator = community.memberships.facilitators().first().user
    invitation = community_services.invitations_create(
        community=community, by=facilitator, emails=[user.email], role=role
    )[0]
    return community_services.invitation_accept(
        invitation=invitation, user=user, accepted_rules=True
    )


def fresh(community: Community) -> Community:
    """The community re-read, without memberships cached by earlier permission checks."""
    return Community.objects.get(pk=community.pk)


class PostFactory(DjangoModelFactory):
    """A published experience written straight to the table (for data volume; behaviour
    is tested through the services). `PostFactory(community=c, author=u, tags=["sbar"])`."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    community = None
    author = factory.SubFactory(UserFactory)
    kind = Post.Kind.EXPERIENCE
    status = Post.Status.PUBLISHED
    title = factory.Sequence(lambda n: f"Experience number {n}")
    situation = "A surgical ward with 28 beds."
    tried = "A printed checklist at every bed."
    happened = "Handovers got shorter after three weeks."
    outcome = Post.Outcome.WORKED
    learned = "A physical prompt works better than a form on the computer."
    published_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)

    class Params:
        challenge = factory.Trait(
            kind=Post.Kind.CHALLENGE,
            happened="",
            outcome="",
            learned="",
            help_wanted="A routine that worked for you.",
        )
        draft = factory.Trait(status=Post.Status.DRAFT, published_at=None)

    @factory.post_generation
    def tags(post, create, extracted, **kwargs):
        if create and extracted:
            post.tags.set(list(extracted))


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    post = None
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}: we tried the same.")


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def community(facilitator):
    return launch_community(facilitator)


@pytest.fixture
def member(community):
    return add_member(community, UserFactory(display_name="Mia Member")).user


@pytest.fixture
def other_member(community):
    return add_member(community, UserFactory(display_name="Omar Other")).user


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Otto Outsider")


@pytest.fixture
def private_community(facilitator):
    return launch_community(facilitator, name="Private circle", visibility="members")


@pytest.fixture
def experience(community, member):
    return services.post_create(
        community=fresh(community),
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data={
            "title": "A printed SBAR card at every bed",
            "situation": "Night shift handover with agency nurses.",
            "tried": "A laminated card clipped to each bed.",
            "happened": "Slower in week one, four minutes faster per patient by week three.",
            "outcome": Post.Outcome.WORKED,
            "learned": "A physical prompt beats a form on the computer.",
        },
        tags=["handover", "SBAR"],
    )


@pytest.fixture
def challenge(community, member):
    return services.post_create(
        community=fresh(community),
        author=member,
        kind=Post.Kind.CHALLENGE,
        data={
            "title": "How do you hand over patients with delirium?",
            "situation": "We keep losing what is normal for the patient.",
            "help_wanted": "A routine that worked for you.",
        },
        tags=["delirium"],
    )
