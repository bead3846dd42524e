"""Calendar output: parsed back with `icalendar`, expanded by a second library
(recurring-ical-events), and subscribed to through a member's secret address."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from communities.meetings import services
from communities.models import Membership
from members.feed_tokens import FeedPurpose, feed_token_for, feed_token_regenerate
from tests.factories import CommunityFactory, MembershipFactory
from tests.meetings.conftest import BERLIN, meeting_data, next_local

pytestmark = pytest.mark.django_db


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def feed_url(user, community=None) -> str:
    token = feed_token_for(user=user, purpose=FeedPurpose.CALENDAR).token
    if community:
        return reverse("meetings:feed_community", args=[token, community.slug])
    return reverse("meetings:feed_mine", args=[token])


def expand(content: bytes, days: int = 400):
    now = timezone.now()
    return recurring_ical_events.of(parse(content)).between(now, now + timedelta(days=days))


def test_a_series_file_has_method_uid_rrule_and_a_vtimezone(client, community, schedule):
    meeting = schedule(rule="FREQ=MONTHLY;BYDAY=+1MO", starts_local=next_local(days=3))
    response = client.get(reverse("meetings:series_ics", args=[community.slug, meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = parse(response.content)
    assert str(cal["METHOD"]) == "PUBLISH"
    [master] = cal.walk("VEVENT")
    assert str(master["UID"]) == f"{meeting.series.uid}@127.0.0.1"
    assert master["RRULE"]["FREQ"] == ["MONTHLY"]
    assert master["DTSTART"].params["TZID"] == BERLIN
    [vtimezone] = cal.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == BERLIN
    # A second library expands the rule into the same dates the site materialised,
    # at 19:00 Berlin time on both sides of daylight saving.
    events = expand(response.content, days=300)
    expected = [
        m.starts_at
        for m in meeting.series.meetings.filter(
            starts_at__lt=timezone.now() + timedelta(days=300)
        ).order_by("starts_at")
    ]
    assert [e["DTSTART"].dt for e in events] == expected
    assert {e["DTSTART"].dt.astimezone(ZoneInfo(BERLIN)).hour for e in events} == {19}


def test_the_subscription_changes_when_an_occurrence_is_moved_or_cancelled(
    client, community, schedule, member
):
    meeting = schedule(rule="FREQ=WEEKLY", starts_local=next_local(days=2))
    rows = list(meeting.series.meetings.order_by("starts_at"))
    url = feed_url(member, community)
    before = expand(client.get(url).content, days=60)
    second_start = rows[1].starts_at
    assert second_start in [e["DTSTART"].dt for e in before]

    local = timezone.localtime(rows[1].starts_at, ZoneInfo(BERLIN)).replace(tzinfo=None)
    services.meeting_update(
        meeting=rows[1],
        by=meeting.created_by,
        data=meeting_data(title="Moved clinic"),
        starts_local=local + timedelta(days=1, hours=1),
    )
    services.meeting_cancel(meeting=rows[2], by=meeting.created_by)

    content = client.get(url).content
    cal = parse(content)
    override = next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e)
    assert str(override["UID"]) == f"{meeting.series.uid}@127.0.0.1"
    assert override["RECURRENCE-ID"].dt == second_start
    assert int(override["SEQUENCE"]) == 1
    master = next(e for e in cal.walk("VEVENT") if "RRULE" in e)
    assert int(master["SEQUENCE"]) == 0
    after = {e["DTSTART"].dt: str(e["SUMMARY"]) for e in expand(content, days=60)}
    assert second_start not in after
    assert after[second_start + timedelta(days=1, hours=1)] == "Moved clinic"
    assert rows[2].starts_at not in after
    assert rows[3].starts_at in after


def test_leaving_or_being_removed_empties_the_feed(client):
    community = CommunityFactory(members_only=True)
    facilitator = MembershipFactory(community=community, facilitator=True).user
    member = MembershipFactory(community=community).user
    services.meeting_schedule(
        community=community,
        by=facilitator,
        data=meeting_data(place="Room 12"),
        starts_local=next_local(),
        time_zone=BERLIN,
        invite=False,
    )
    mine, theirs = feed_url(member), feed_url(member, community)
    assert len(parse(client.get(mine).content).walk("VEVENT")) == 1
    assert b"Room 12" in client.get(theirs).content

    Membership.objects.filter(user=member).update(status=Membership.Status.REMOVED)

    for url in (mine, theirs):
        response = client.get(url)
        assert response.status_code == 200
        assert parse(response.content).walk("VEVENT") == []


def test_a_regenerated_address_revokes_the_old_one(client, community, member):
    old = feed_url(member)
    assert client.get(old).status_code == 200
    feed_token_regenerate(user=member, purpose=FeedPurpose.CALENDAR)
    assert client.get(old).status_code == 404
    assert client.get(feed_url(member)).status_code == 200


def test_the_settings_page_regenerates_the_address(client, member):
    client.force_login(member)
    first = client.get(reverse("meetings:settings")).context["mine_url"]
    client.post(reverse("meetings:settings"), {"action": "regenerate"})
    second = client.get(reverse("meetings:settings")).context["mine_url"]
    assert first != second
    assert client.get(first.replace("http://testserver", "")).status_code == 404


def test_a_feed_has_a_fixed_query_budget(
    client, community, schedule, member, django_assert_max_num_queries
):
    for days in range(1, 6):
        schedule(starts_local=next_local(days=days))
    schedule(rule="FREQ=WEEKLY")
    url = feed_url(member)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_a_community_feed_of_a_hidden_community_reveals_nothing(client, member):
    hidden = CommunityFactory(hidden=True, name="Secret circle")
    facilitator = MembershipFactory(community=hidden, facilitator=True).user
    services.meeting_schedule(
        community=hidden,
        by=facilitator,
        data=meeting_data(title="Secret clinic"),
        starts_local=next_local(),
        time_zone=BERLIN,
        invite=False,
    )
    response = client.get(feed_url(member, hidden))
    missing = client.get(feed_url(member).replace("mine.ics", "c/no-such-community.ics"))
    assert response.status_code == missing.status_code == 200
    assert b"Secret" not in response.content
    assert parse(response.content).walk("VEVENT") == []
