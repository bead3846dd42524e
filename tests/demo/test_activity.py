"""The demo's three months of activity: enough for real charts, and seeded only once."""

from io import StringIO

import pytest
from django.core.management import call_command

from communities.health import community_health
from communities.models import Community, Membership, MembershipEvent, Report
from practices.models import Comment, Post, Reaction

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Membership, MembershipEvent, Post, Comment, Reaction, Report)
    }


def test_seeding_twice_gives_the_same_activity_and_charts_worth_looking_at():
    call_command("seed_demo", force=True, stdout=StringIO())
    first = snapshot()

    call_command("seed_demo", force=True, stdout=StringIO())

    assert snapshot() == first
    community = Community.objects.get(slug="safe-handovers")
    report = community_health(community, days=90)
    assert report.joined >= 15
    assert report.left >= 3
    assert len([w for w in report.weeks if w.joined]) >= 10
    assert all(tier.count for tier in report.tiers)
    assert all(report.outcomes[k] for k in ("worked", "mixed", "failed"))
    assert report.waiting_count >= 3
    assert report.median_first_answer is not None
    assert report.applied >= 5
    funnel = {step.key: step.count for step in report.funnel}
    assert funnel["joined"] >= funnel["rules"] > funnel["intro"] > 0
    assert 0 < funnel["posted"] < funnel["joined"]
    assert Report.objects.filter(community=community, status=Report.Status.OPEN).count() >= 3
