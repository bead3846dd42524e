from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting, Rsvp
from communities.meetings.selectors import upcoming_meetings_for
from communities.models import Membership
from tests.factories import CommunityFactory, MembershipFactory
from tests.meetings.conftest import BERLIN, meeting_data, next_local

pytestmark = pytest.mark.django_db


def test_the_digest_selector_shows_what_comes_next_that_the_reader_may_see(
    community, schedule, member
):
    later = schedule(title="Later", starts_local=next_local(days=9))
    sooner = schedule(title="Sooner", starts_local=next_local(days=2))
    cancelled = schedule(title="Cancelled", starts_local=next_local(days=3))
    services.meeting_cancel(meeting=cancelled, by=cancelled.created_by)
    private = CommunityFactory(members_only=True)
    private_facilitator = MembershipFactory(community=private, facilitator=True).user
    services.meeting_schedule(
        community=private,
        by=private_facilitator,
        data=meeting_data(title="Private"),
        starts_local=next_local(days=4),
        time_zone=BERLIN,
        invite=False,
    )
    now = timezone.now()

    found = upcoming_meetings_for(member, [community, private], now)

    assert found == [sooner, later]
    html = render_to_string(
        "meetings/includes/digest_upcoming.html", {"upcoming_meetings": found, "SITE_URL": "x"}
    )
    assert "Sooner" in html and "Private" not in html
    Membership.objects.create(community=private, user=member, status="active")
    assert [m.title for m in upcoming_meetings_for(member, [private], now)] == ["Private"]


def test_the_health_dashboard_shows_attendance_per_month(client, community, facilitator, schedule):
    meeting = schedule()
    for _ in range(3):
        Rsvp.objects.create(
            meeting=meeting, user=MembershipFactory(community=community).user, status="going"
        )
    start = timezone.now() - timedelta(days=5)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1)
    )
    client.force_login(facilitator)

    page = client.get(reverse("communities:manage_health", args=[community.slug])).content.decode()

    assert "Meeting attendance per month" in page
    assert "3 yes, 3 per meeting" in page
