from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting, Rsvp
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.conftest import BERLIN, meeting_data, next_local

pytestmark = pytest.mark.django_db


def test_facilitator_schedules_a_monthly_series_from_the_form(client, community, facilitator):
    client.force_login(facilitator)
    start = next_local(days=10)
    response = client.post(
        reverse("meetings:schedule", args=[community.slug]),
        {
            "title": "Case clinic",
            "date": start.date().isoformat(),
            "time": "19:00",
            "duration_minutes": "90",
            "time_zone": BERLIN,
            "repeat": "monthly_weekday",
            "interval": "1",
            "place": "Room 4",
            "audience": "members",
            "invite": "on",
        },
    )
    meeting = Meeting.objects.order_by("starts_at").first()
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert "BYDAY=+" in meeting.series.rrule
    assert meeting.series.meetings.count() >= 12


def test_the_form_keeps_the_input_on_errors(client, community, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:schedule", args=[community.slug]),
        {
            "title": "Case clinic with a long agenda",
            "agenda": "Bring a case",
            "date": "2001-01-01",
            "time": "19:00",
            "duration_minutes": "90",
            "time_zone": BERLIN,
            "repeat": "custom",
            "custom_rule": "",
            "audience": "members",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Case clinic with a long agenda"' in html
    assert "Bring a case" in html
    assert "Write the rule" in html
    assert not Meeting.objects.exists()


def test_members_rsvp_and_the_page_shows_the_waiting_list(client, community, schedule):
    meeting = schedule(capacity=1)
    first, second = (MembershipFactory(community=community).user for _ in range(2))
    services.rsvp_set(meeting=meeting, user=first, answer="yes")
    client.force_login(second)

    response = client.post(
        reverse("meetings:rsvp", args=[community.slug, meeting.pk]),
        {"answer": "yes"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "You are on the waiting list" in response.content.decode()
    assert Rsvp.objects.get(user=second).status == "waiting"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert first.display_name in page and "Waiting list" in page


def test_the_place_is_hidden_from_readers_who_may_not_attend(client, community, schedule):
    meeting = schedule(place="https://video.example/secret-room")
    outsider = UserFactory()
    client.force_login(outsider)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "secret-room" not in page
    ics = client.get(reverse("meetings:ics", args=[community.slug, meeting.pk])).content
    assert b"secret-room" not in ics
    member = MembershipFactory(community=community).user
    client.force_login(member)
    assert "secret-room" in client.get(meeting.get_absolute_url()).content.decode()


def test_a_members_only_meeting_is_the_same_404_for_outsiders(client):
    community = CommunityFactory(members_only=True)
    facilitator = MembershipFactory(community=community, facilitator=True).user
    meeting = services.meeting_schedule(
        community=community,
        by=facilitator,
        data=meeting_data(),
        starts_local=next_local(),
        time_zone=BERLIN,
        invite=False,
    )
    client.force_login(UserFactory())
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:ics", args=[community.slug, meeting.pk])).status_code == 404


@pytest.mark.parametrize("count", [2, 12])
def test_the_meeting_list_has_a_fixed_query_budget(
    client, community, schedule, django_assert_max_num_queries, count
):
    for days in range(count):
        schedule(starts_local=next_local(days=days + 1))
    member = MembershipFactory(community=community).user
    url = reverse("meetings:community_list", args=[community.slug])
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [2, 12])
def test_the_meeting_page_has_a_fixed_query_budget(
    client, community, schedule, django_assert_max_num_queries, count
):
    meeting = schedule()
    for _ in range(count):
        services.rsvp_set(
            meeting=meeting, user=MembershipFactory(community=community).user, answer="yes"
        )
    with django_assert_max_num_queries(8):
        assert client.get(meeting.get_absolute_url()).status_code == 200
    client.force_login(MembershipFactory(community=community).user)
    with django_assert_max_num_queries(12):
        assert client.get(meeting.get_absolute_url()).status_code == 200


def test_my_meetings_lists_meetings_of_my_communities(client, community, schedule, member):
    schedule(title="Our clinic")
    other = CommunityFactory()
    other_facilitator = MembershipFactory(community=other, facilitator=True).user
    services.meeting_schedule(
        community=other,
        by=other_facilitator,
        data=meeting_data(title="Not mine"),
        starts_local=next_local(),
        time_zone=BERLIN,
        invite=False,
    )
    client.force_login(member)
    page = client.get(reverse("meetings:mine")).content.decode()
    assert "Our clinic" in page and "Not mine" not in page


def test_the_community_home_shows_the_next_meeting(client, community, schedule):
    schedule(title="Monthly case clinic")
    page = client.get(community.get_absolute_url()).content.decode()
    assert "Monthly case clinic" in page


def test_empty_states_invite_the_team_to_schedule(client, community, facilitator, member):
    client.force_login(facilitator)
    page = client.get(reverse("meetings:community_list", args=[community.slug])).content.decode()
    assert "Schedule the first meeting" in page
    client.force_login(member)
    page = client.get(reverse("meetings:community_list", args=[community.slug])).content.decode()
    assert "Schedule the first meeting" not in page and "No meetings are planned yet" in page


def test_past_meetings_are_listed_as_past(client, community, schedule):
    meeting = schedule(title="Last month")
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=30) + timedelta(hours=1),
    )
    response = client.get(reverse("meetings:community_list", args=[community.slug]))
    assert [m.title for m in response.context["past"]] == ["Last month"]
    assert response.context["upcoming"] == []
