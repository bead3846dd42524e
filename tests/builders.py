"""Communities brought to launch the way a facilitator does it, through the services."""

import itertools

from communities import services
from communities.models import Community
from practices import services as practices_services

_numbers = itertools.count(1)

SEED_POST = {
    "title": "How we started this community",
    "tried": "We met once and agreed on the first rules together.",
    "happened": "Everyone who was invited came to the first meeting.",
    "learned": "Start small and write the rules down early.",
}


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


def launch_community(facilitator, *, name: str = "Safe handovers", **fields) -> Community:
    """A launched community (public and open unless `fields` say otherwise)."""
    community = services.community_create(
        user=facilitator,
        name=name,
        challenge=fields.pop("challenge", "Handovers lose things."),
        kind=fields.pop("kind", "practice"),
        **fields,
    )
    make_ready_for_launch(community, facilitator)
    return services.community_launch(community=community, by=facilitator)
