"""factory_boy factories: rows written straight to the tables, for data volume and for
tests of reads (the services that write these rows have their own tests)."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory

from communities.models import (
    CharterVersion,
    Community,
    Invitation,
    JoinQuestion,
    Membership,
)
from members.models import User
from practices.markdown import (
    POST_BODY_FIELDS,
    RENDERER_VERSION,
    post_excerpt,
    render_markdown,
    render_post_body,
)
from practices.models import Comment, Post

KNOWN_PASSWORD = "practica-demo-password"


class UserFactory(DjangoModelFactory):
    """A member who signed up and verified their email address."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@practica.test")
    display_name = factory.Faker("name")
    password = factory.django.Password(KNOWN_PASSWORD)
    is_active = True

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


# --- Communities ---------------------------------------------------------------------
# Rows built directly for view tests; the services have their own tests.

DEFAULT_TEST_RULES = [
    {"title": "What is shared here stays here", "explanation": "Ask before you pass it on."},
    {"title": "Respectful, constructive exchange", "explanation": "Disagree with ideas."},
    {"title": "Failures are welcome, blame is not", "explanation": "Discuss what happened."},
]


class CommunityFactory(DjangoModelFactory):
    """A launched, public, open community whose first charter version is published.

    `CommunityFactory(tags=["handover"], questions=["Why?"], charter=False)`.
    """

    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    kind = Community.Kind.PRACTICE
    challenge = "Information gets lost when a shift hands over its patients."
    purpose = "Nurses compare how they hand over patients between shifts."
    welcome_message = "Welcome! Start with the **rules**."
    onboarding_configured = True
    visibility = Community.Visibility.PUBLIC
    join_policy = Community.JoinPolicy.OPEN
    stage = Community.Stage.LAUNCHED
    launched_at = factory.LazyFunction(timezone.now)

    class Params:
        planning = factory.Trait(stage=Community.Stage.PLANNING, launched_at=None)
        archived = factory.Trait(
            stage=Community.Stage.ARCHIVED, archived_at=factory.LazyFunction(timezone.now)
        )
        members_only = factory.Trait(visibility=Community.Visibility.MEMBERS)
        hidden = factory.Trait(visibility=Community.Visibility.HIDDEN)
        on_request = factory.Trait(join_policy=Community.JoinPolicy.REQUEST)
        invitation_only = factory.Trait(join_policy=Community.JoinPolicy.INVITATION)

    @factory.post_generation
    def charter(community, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        CharterVersion.objects.create(
            community=community,
            number=1,
            rules=DEFAULT_TEST_RULES,
            purpose=community.purpose,
            expectations="Share concrete experience.",
            is_material=True,
            summary="First rules",
        )
        community.current_charter_number = community.required_charter_number = 1
        Community.objects.filter(pk=community.pk).update(
            current_charter_number=1, required_charter_number=1
        )

    @factory.post_generation
    def tags(community, create, extracted, **kwargs):
        if create and extracted:
            community.tags.set(list(extracted))

    @factory.post_generation
    def questions(community, create, extracted, **kwargs):
        if create and extracted:
            JoinQuestion.objects.bulk_create(
                JoinQuestion(community=community, position=i, text=text)
                for i, text in enumerate(extracted)
            )


class MembershipFactory(DjangoModelFactory):
    """An active member who accepted the current rules and finished onboarding."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE
    joined_at = factory.LazyFunction(timezone.now)
    accepted_charter_number = factory.LazyAttribute(lambda m: m.community.required_charter_number)
    onboarding_completed_at = factory.LazyFunction(timezone.now)

    class Params:
        facilitator = factory.Trait(role=Membership.Role.FACILITATOR)
        core = factory.Trait(role=Membership.Role.CORE)
        pending = factory.Trait(
            status=Membership.Status.PENDING,
            joined_at=None,
            requested_at=factory.LazyFunction(timezone.now),
        )
        banned = factory.Trait(status=Membership.Status.BANNED)
        newcomer = factory.Trait(onboarding_completed_at=None)

    @factory.post_generation
    def count(membership, create, extracted, **kwargs):
        """Keep the community's stored member count true, as the services do."""
        if create:
            Community.objects.filter(pk=membership.community_id).update(
                member_count=Membership.objects.filter(
                    community_id=membership.community_id, status=Membership.Status.ACTIVE
                ).count()
            )


class InvitationFactory(DjangoModelFactory):
    """An open invitation to a member's verified address (pass `email=user.email`)."""

    class Meta:
        model = Invitation

    community = factory.SubFactory(CommunityFactory)
    email = factory.Sequence(lambda n: f"invited{n}@practica.test")
    role = Membership.Role.MEMBER


# --- Practices -----------------------------------------------------------------------


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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The stored HTML and excerpt, as the services write them.
        if "body_html" not in kwargs:
            kwargs["body_html"] = render_post_body({f: kwargs.get(f) for f in POST_BODY_FIELDS})
            kwargs.setdefault("excerpt", post_excerpt(kwargs["kind"], kwargs["body_html"]))
            kwargs.setdefault("markdown_version", RENDERER_VERSION)
        return super()._create(model_class, *args, **kwargs)

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
    body_html = factory.LazyAttribute(lambda c: render_markdown(c.body))
    markdown_version = RENDERER_VERSION
