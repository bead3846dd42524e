"""Data sets for the benchmarks, written through the same services as the site."""

from django.db import transaction

from tests.factories import UserFactory


@transaction.atomic
def build(size: int):
    """A launched community with `size` communities in the directory and `size` members."""
    from communities import services
    from communities.models import Community

    owner = UserFactory()
    first = None
    for i in range(size):
        community = services.community_create(
            user=owner,
            name=f"Bench community {size}-{i}",
            challenge="How do we benchmark a community platform?",
            kind="practice",
            purpose="A community created for benchmarking the directory and member pages.",
            tags=["benchmark", f"topic {i % 20}"],
        )
        services.charter_publish(community=community, by=owner, is_material=True)
        Community.objects.filter(pk=community.pk).update(stage="launched")
        first = first or community
    first.refresh_from_db()
    member = None
    for _ in range(size):
        member = UserFactory()
        services.membership_join(community=first, user=member, accepted_rules=True)
    return first, member


def pages(community):
    return [
        ("home", "/"),
        ("community directory", "/communities/"),
        ("community page", f"/c/{community.slug}/"),
        ("member directory", f"/c/{community.slug}/members/"),
    ]


def deliver_outbox(count: int) -> int:
    from members.models import OutboundEmail
    from members.outbox import email_deliver

    ids = [
        OutboundEmail.objects.create(
            to=f"bench{i}@practica.test", subject="Bench", body_text="Hello", from_email="x@y.z"
        ).pk
        for i in range(count)
    ]
    return sum(email_deliver(email_id=pk) == "sent" for pk in ids)
