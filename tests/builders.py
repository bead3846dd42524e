"""Communities, members and posts made the way people make them: through the services.

For rows written straight to the tables (data volume, reads), see tests/factories.py.
"""

import itertools
from datetime import timedelta

from django.utils import timezone
from taggit.models import Tag

from communities import services
from communities.models import Community, Membership, MembershipEvent
from practices import services as practices_services
from practices.markdown import RENDERER_VERSION, post_excerpt, render_post_body
from practices.models import Post, PostTag
from tests.factories import UserFactory

_numbers = itertools.count(1)

SEED_POST = {
    "title": "How we started this community",
    "tried": "We met once and agreed on the first rules together.",
    "happened": "Everyone who was invited came to the first meeting.",
    "learned": "Start small and write the rules down early.",
}


# --- Communities ---------------------------------------------------------------------


def make_ready_for_launch(community: Community, facilitator) -> Community:
    """Everything the launch checklist asks for: purpose, published rules, welcome and
    onboarding, a co-facilitator invited and one seed experience."""
    if not community.purpose:
        services.community_update(
            community=community,
            purpose="We compare how we hand over patients between shifts.",
        )
    services.charter_publish(community=community, by=facilitator, is_material=True)
    services.onboarding_configure(
        community=community, welcome_message="Welcome!", profile=True, intro=True, pinned=False
    )
    services.invitations_create(
        community=community,
        by=facilitator,
        emails=[f"core-{next(_numbers)}@practica.test"],
        role="core",
    )
    practices_services.post_create(
        community=community, author=facilitator, kind="experience", data=SEED_POST
    )
    community.refresh_from_db()
    return community


def launch_community(
    facilitator, *, name: str = "Safe handovers", without_posts: bool = False, **fields
) -> Community:
    """A launched community (public and open unless `fields` say otherwise).

    `without_posts=True` removes the seed experience the launch needed again, so that a
    test starts from a community without posts.
    """
    community = services.community_create(
        user=facilitator,
        name=name,
        challenge=fields.pop("challenge", "Handovers lose things."),
        kind=fields.pop("kind", "practice"),
        **fields,
    )
    make_ready_for_launch(community, facilitator)
    community = services.community_launch(community=community, by=facilitator)
    if without_posts:
        Post.objects.filter(community=community).delete()
    return community


# --- Members -------------------------------------------------------------------------


def add_member(community: Community, user=None, *, role: str = "member") -> Membership:
    """An active member who accepted the current rules (joined through an invitation)."""
    user = user or UserFactory()
    facilitator = community.memberships.facilitators().first().user
    invitation = services.invitations_create(
        community=community, by=facilitator, emails=[user.email], role=role
    )[0]
    return services.invitation_accept(invitation=invitation, user=user, accepted_rules=True)


def add_pending_request(community: Community, user=None, answers=None) -> Membership:
    """Someone asked to join (the request is recorded the way the service records it)."""
    user = user or UserFactory()
    membership = Membership.objects.create(
        community=community,
        user=user,
        status=Membership.Status.PENDING,
        answers=answers or [{"question": "Why join?", "answer": "To learn from peers."}],
        requested_at=community.created_at,
    )
    MembershipEvent.objects.create(
        membership=membership, actor=user, action=MembershipEvent.Action.REQUESTED
    )
    return membership


def join_long_ago(community: Community, user) -> Membership:
    """`user` joins an open community and is a member of long standing (new members may
    share only a few posts a day)."""
    membership = services.membership_join(
        community=Community.objects.get(pk=community.pk), user=user, accepted_rules=True
    )
    Membership.objects.filter(pk=membership.pk).update(
        joined_at=timezone.now() - timedelta(days=60)
    )
    return membership


# --- Posts ---------------------------------------------------------------------------


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
    return practices_services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=author,
        kind=Post.Kind.EXPERIENCE,
        data=data,
        tags=tags,
    )


def ask(community: Community, author, title: str, *, tags=(), **fields) -> Post:
    """A challenge written through the service."""
    data = {"title": title, "situation": "We are stuck with this.", **fields}
    return practices_services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=author,
        kind=Post.Kind.CHALLENGE,
        data=data,
        tags=tags,
    )


def bulk_experiences(community: Community, author, count: int, *, tag: str = "rota") -> None:
    """Many published experiences at once, all tagged `tag`, for query-budget tests (rows
    written directly; the database computes their search vectors all the same)."""
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
            body_html=(
                body := render_post_body(
                    {
                        "tried": "Swapping the weekend rota between wards.",
                        "happened": "The rota held for a month.",
                        "learned": f"Rotas need an owner (lesson {i}).",
                        "recommend": "Name one person who keeps the rota.",
                    }
                )
            ),
            excerpt=post_excerpt(Post.Kind.EXPERIENCE, body),
            markdown_version=RENDERER_VERSION,
        )
        for i in range(count)
    )
    topic, _ = Tag.objects.get_or_create(name=tag, defaults={"slug": tag})
    PostTag.objects.bulk_create(PostTag(content_object=post, tag=topic) for post in posts)
