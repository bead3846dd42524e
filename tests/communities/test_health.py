"""The community health dashboard: its figures on a hand-built community, its query
budget at two data sizes, its CSV export and who may open it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.health import community_health, parse_period
from communities.models import Membership, MembershipEvent
from practices.models import Comment, Post, Reaction
from tests.factories import CommunityFactory, MembershipFactory, StaffFactory, UserFactory
from tests.staff import login_with_mfa

NOW = timezone.now()
E, C = Post.Kind.EXPERIENCE, Post.Kind.CHALLENGE
HEALTH_QUERY_BUDGET = 14


def ago(days: float = 0, hours: float = 0):
    return NOW - timedelta(days=days, hours=hours)


def post(community, author, kind, when, outcome="", **fields) -> Post:
    return Post.objects.create(
        community=community,
        author=author,
        kind=kind,
        title=fields.pop("title", f"{kind} by {author.display_name}"),
        outcome=outcome,
        published_at=when,
        created_at=when,
        **fields,
    )


def comment(on: Post, author, when, **fields) -> Comment:
    return Comment.objects.create(
        post=on, author=author, body="An answer", created_at=when, **fields
    )


def member(community, name: str, *, joined_days: float, **fields) -> Membership:
    return MembershipFactory(
        community=community,
        user=UserFactory(display_name=name),
        joined_at=ago(joined_days),
        **fields,
    )


def event(membership: Membership, action: str, days: float) -> None:
    MembershipEvent.objects.create(membership=membership, action=action, created_at=ago(days))


@pytest.fixture
def world(db):
    """A small community whose figures over the last 30 days are worked out by hand.

    Members: Fay (facilitator, joined long ago), Ana, Bo, Cy and Di (active), Ed (left).
    """
    community = CommunityFactory(slug="handovers", name="Handovers")
    fay = member(community, "Fay", joined_days=100, role=Membership.Role.FACILITATOR)
    ana = member(
        community,
        "Ana",
        joined_days=25,
        accepted_charter_at=ago(25),
        profile_completed_at=ago(25),
        introduced_at=ago(24),
    )
    bo = member(
        community,
        "Bo",
        joined_days=20,
        accepted_charter_at=ago(20),
        profile_completed_at=ago(20),
        introduced_at=ago(20),
    )
    cy = member(
        community, "Cy", joined_days=10, accepted_charter_at=ago(10), profile_completed_at=ago(9)
    )
    di = member(community, "Di", joined_days=5)
    ed = member(
        community,
        "Ed",
        joined_days=28,
        accepted_charter_at=ago(28),
        status=Membership.Status.LEFT,
    )
    for m, action, days in [
        (fay, "joined", 100),
        (ana, "joined", 25),
        (bo, "joined", 20),
        (cy, "approved", 10),
        (di, "invitation_accepted", 5),
        (ed, "joined", 28),
        (ed, "left", 3),
        (ana, "role_changed", 2),
    ]:
        event(m, action, days)
    a, b, c, d, f, e = ana.user, bo.user, cy.user, di.user, fay.user, ed.user

    p1 = post(community, a, E, ago(20), "worked")
    p2 = post(community, a, E, ago(15), "worked")
    post(community, a, E, ago(12), "mixed")
    p4 = post(community, c, E, ago(8), "failed")
    # Hidden content counts nowhere.
    post(community, a, E, ago(7), "failed", hidden_at=ago(6))
    q1 = post(community, a, C, ago(10), title="Night shift handover", answered_at=ago(9))
    q2 = post(community, a, C, ago(5), answered_at=ago(4))
    q3 = post(community, c, C, ago(4), title="Weekend cover", comment_count=1)
    q4 = post(community, b, C, ago(3), title="Agency staff")
    post(community, f, C, ago(1), title="Too fresh to wait")
    q0 = post(community, a, C, ago(60), title="Old and forgotten", comment_count=1)

    comment(q1, a, ago(10) + timedelta(hours=1))  # the author's own reply is no answer
    comment(q1, b, ago(10) + timedelta(hours=2), marked_helpful_at=ago(9))
    comment(q2, f, ago(5) + timedelta(hours=6))
    comment(q3, b, ago(4) + timedelta(hours=30))
    for i in range(5):
        comment(p4, a, ago(7, hours=i))
    comment(p1, e, ago(19))  # Ed left: not counted among active members
    comment(q0, d, ago(40))  # outside the period
    comment(p1, b, ago(2), status=Comment.Status.DELETED)

    Reaction.objects.create(post=p1, user=b, kind="applied", created_at=ago(5))
    Reaction.objects.create(post=p1, user=c, kind="applied", created_at=ago(4))
    Reaction.objects.create(post=p2, user=d, kind="applied", created_at=ago(3))
    Reaction.objects.create(post=p2, user=b, kind="helpful", created_at=ago(3))
    Reaction.objects.create(post=q0, user=f, kind="applied", created_at=ago(40))
    return {
        "community": community,
        "fay": f,
        "ana": a,
        "waiting": [q0, q3, q4],
    }


def health(world, days=30):
    community = world["community"]
    community.refresh_from_db()
    return community_health(community, days=days, now=NOW)


def test_participation_tiers_count_posts_and_comments_of_active_members(world):
    tiers = {t.key: t.count for t in health(world).tiers}

    # Ana 5 posts + 6 comments; Bo 1 post + 2 comments; Cy 2 posts; Fay 1 post + 1
    # comment (her challenge is fresh); Di nothing in the period.
    assert tiers == {"core": 1, "active": 1, "occasional": 2, "peripheral": 1}


def test_posts_by_kind_and_outcome_leave_out_hidden_posts(world):
    report = health(world)

    assert (report.experiences, report.challenges) == (4, 5)
    assert report.outcomes == {"worked": 2, "mixed": 1, "failed": 1, "unsaid": 0}
    assert not report.no_failures_shared


def test_median_time_to_first_answer_ignores_the_authors_own_replies(world):
    report = health(world)

    # First answers from someone else: 2 h, 6 h and 30 h; two challenges have none.
    assert report.challenges_answered == 3
    assert report.median_first_answer == timedelta(hours=6)


def test_open_challenges_waiting_over_48_hours_are_listed_oldest_first(world):
    report = health(world)

    assert report.waiting == world["waiting"]
    assert report.waiting_count == 3
    assert [p.comment_count for p in report.waiting] == [1, 1, 0]


def test_onboarding_funnel_of_people_who_joined_in_the_period(world):
    steps = {s.key: (s.count, s.percent) for s in health(world).funnel}

    assert steps == {
        "joined": (5, 100),
        "rules": (4, 80),
        "profile": (3, 60),
        "intro": (2, 40),
        "posted": (3, 60),
    }


def test_members_joined_and_left_per_week(world):
    report = health(world)

    assert (report.joined, report.left) == (5, 1)
    assert report.members_now == 5
    assert report.weeks[-1].members == 5
    assert sum(w.joined - w.left for w in report.weeks) == 4
    later = report.weeks[1:]
    assert report.weeks[0].members == 5 - sum(w.joined - w.left for w in later)
    assert [w.start.weekday() for w in report.weeks] == [0] * len(report.weeks)


def test_applied_counts_reactions_in_the_period(world):
    report = health(world)

    assert (report.applied, report.applied_posts) == (3, 2)


def test_a_longer_period_reaches_older_activity(world):
    short, long = health(world, 30), health(world, 90)

    assert long.joined == 5 and short.joined == 5
    assert long.applied == 4
    assert len(long.weeks) > len(short.weeks)


def test_a_community_without_shared_failures_gets_the_note(db):
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    post(community, author, E, ago(3), "worked")

    report = community_health(community, days=30, now=NOW)

    assert report.no_failures_shared


def test_unknown_periods_fall_back_to_ninety_days():
    assert [parse_period(v) for v in ("30", "365", "7", "abc", None)] == [30, 365, 90, 90, 90]


# --- The page ------------------------------------------------------------------------


def url(world, name="communities:manage_health", **query) -> str:
    path = reverse(name, args=[world["community"].slug])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_facilitators_see_the_dashboard_with_charts_and_tables(client, world):
    client.force_login(world["fay"])

    response = client.get(url(world, period=30))

    assert response.status_code == 200
    page = text(response)
    assert page.count('role="img"') == 6
    assert page.count("Show as table") == 4
    assert "<title id=" in page and "<desc id=" in page
    assert "style=" not in page
    for post in world["waiting"]:
        assert post.get_absolute_url() in page
    assert "Too fresh to wait" not in page
    assert 'aria-current="page">30 days' in page
    assert "not yet a trusting space" not in page


def test_the_failure_note_shows_when_nobody_shared_a_failure(client, world):
    Post.objects.filter(outcome="failed").update(outcome="worked")
    client.force_login(world["fay"])

    page = text(client.get(url(world, period=30)))

    assert "a community where nobody shares failures is not yet a trusting space" in page.lower()


def test_site_staff_see_the_dashboard_of_any_community(client, world):
    login_with_mfa(client, StaffFactory())

    home = client.get(world["community"].get_absolute_url()).content.decode()
    response = client.get(url(world))

    assert url(world) in home  # a "Health" tab instead of "Manage"

    assert response.status_code == 200
    # Staff who do not facilitate get the health page without the facilitators' settings.
    assert reverse("communities:manage_members", args=[world["community"].slug]) not in (
        response.content.decode()
    )


@pytest.mark.parametrize("name", ["communities:manage_health", "communities:manage_health_export"])
def test_members_and_other_facilitators_are_refused(client, world, name):
    other = CommunityFactory()
    other_facilitator = MembershipFactory(community=other, facilitator=True).user
    for user in (world["ana"], other_facilitator, UserFactory()):
        client.force_login(user)
        assert client.get(url(world, name)).status_code == 403
        assert url(world) not in client.get(world["community"].get_absolute_url()).content.decode()
    client.logout()
    assert client.get(url(world, name)).status_code == 302


def test_a_hidden_community_is_a_404_for_outsiders(client, db):
    community = CommunityFactory(hidden=True)
    client.force_login(UserFactory())

    response = client.get(reverse("communities:manage_health", args=[community.slug]))

    assert response.status_code == 404


def test_the_csv_export_has_the_figures(client, world):
    client.force_login(world["fay"])

    response = client.get(url(world, "communities:manage_health_export", period=30))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "handovers-health-30-days.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "value"]
    figures = {(section, item): value for section, item, value in rows[1:]}
    assert figures[("period", "days")] == "30"
    assert figures[("members", "now")] == "5"
    assert figures[("members", "joined")] == "5"
    assert figures[("participation", "core")] == "1"
    assert figures[("participation", "peripheral")] == "1"
    assert figures[("outcomes", "failed")] == "1"
    assert figures[("challenges", "median hours to first answer")] == "6.0"
    assert figures[("challenges", "open and waiting over 48 hours")] == "3"
    assert figures[("applied", "I applied this")] == "3"
    assert figures[("onboarding", "intro")] == "2"
    assert figures[("waiting challenge", "Weekend cover")].endswith(
        world["waiting"][1].get_absolute_url()
    )


def test_csv_cells_cannot_start_a_formula(client, world):
    Post.objects.filter(title="Weekend cover").update(title="=HYPERLINK(1)")
    client.force_login(world["fay"])

    content = client.get(url(world, "communities:manage_health_export", period=30)).content

    assert b"'=HYPERLINK(1)" in content


# --- Query budget --------------------------------------------------------------------


def grow(world, n: int) -> None:
    """n more members, each with posts, comments, reactions and history."""
    community = world["community"]
    anchor = Post.objects.filter(community=community, kind=E).first()
    for i in range(n):
        m = member(
            community,
            f"Extra {i}",
            joined_days=i % 80,
            accepted_charter_at=ago(i % 80),
            introduced_at=ago(i % 80) if i % 2 else None,
        )
        event(m, "joined", i % 80)
        if i % 7 == 0:
            event(m, "left", i % 5)
        challenge = post(community, m.user, C, ago(i % 60 + 3), title=f"Extra challenge {i}")
        comment(challenge, world["ana"], ago(i % 60 + 2))
        comment(anchor, m.user, ago(i % 30))
        Reaction.objects.create(post=anchor, user=m.user, kind="applied", created_at=ago(i % 30))


@pytest.mark.parametrize("extra", [0, 60])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, world, extra, django_assert_max_num_queries
):
    grow(world, extra)
    client.force_login(world["fay"])

    with django_assert_max_num_queries(HEALTH_QUERY_BUDGET):
        response = client.get(url(world, period=365))

    assert response.status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_data(client, world):
    client.force_login(world["fay"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(world, period=365)).status_code == 200
            assert client.get(url(world, "communities:manage_health_export")).status_code == 200
        return len(queries)

    small = count()
    grow(world, 40)
    assert count() == small


def test_the_figures_take_six_queries(world, django_assert_num_queries):
    grow(world, 20)
    community = world["community"]

    with django_assert_num_queries(6):
        community_health(community, days=90)
