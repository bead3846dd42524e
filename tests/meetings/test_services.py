from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting, MeetingSeries, Rsvp
from communities.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.conftest import BERLIN, meeting_data, next_local

pytestmark = pytest.mark.django_db


def test_core_members_schedule_and_plain_members_cannot(community, member, schedule):
    core = MembershipFactory(community=community, core=True).user
    meeting = services.meeting_schedule(
        community=community,
        by=core,
        data=meeting_data(),
        starts_local=next_local(),
        time_zone=BERLIN,
        invite=False,
    )
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
    with pytest.raises(PermissionDenied):
        services.meeting_schedule(
            community=community,
            by=member,
            data=meeting_data(),
            starts_local=next_local(),
            time_zone=BERLIN,
        )


def test_guests_only_in_public_communities(community, facilitator, schedule):
    community.visibility = "members"
    community.save()
    with pytest.raises(ValidationError) as error:
        schedule(audience="guests")
    assert "audience" in error.value.error_dict


def test_a_monthly_series_materialises_a_year_and_keeps_local_time_across_dst(schedule):
    meeting = schedule(rule="FREQ=MONTHLY;BYDAY=+1MO", starts_local=next_local(days=3))
    series = meeting.series
    rows = list(series.meetings.order_by("starts_at"))
    assert 12 <= len(rows) <= 13
    zone = ZoneInfo(BERLIN)
    assert {timezone.localtime(m.starts_at, zone).time() for m in rows} == {time(19, 0)}
    assert {timezone.localtime(m.starts_at, zone).weekday() for m in rows[1:]} == {0}
    assert all(timezone.localtime(m.starts_at, zone).day <= 7 for m in rows[1:])
    # Across a year, both UTC offsets of Berlin occur: the wall time stayed, UTC moved.
    assert {m.starts_at.astimezone(ZoneInfo("UTC")).hour for m in rows} == {17, 18}
    series.refresh_from_db()
    assert services.series_materialise(series=series, until=series.materialised_until) == 0


def test_every_second_tuesday_with_an_end_and_a_left_out_date(community, facilitator):
    today = timezone.now().date()
    first = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    skipped = datetime.combine(first + timedelta(days=14), time(8, 30))
    meeting = services.meeting_schedule(
        community=community,
        by=facilitator,
        data=meeting_data(title="Stand-up"),
        starts_local=datetime.combine(first, time(8, 30)),
        time_zone=BERLIN,
        rule=f"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL={first + timedelta(days=56):%Y%m%d}T235959",
        exdates=[skipped],
        invite=False,
    )
    starts = [
        timezone.localtime(m.starts_at, ZoneInfo(BERLIN)).date()
        for m in meeting.series.meetings.order_by("starts_at")
    ]
    assert starts == [first + timedelta(days=d) for d in (0, 28, 42, 56)]


def test_rsvp_waiting_list_promotes_the_next_person_when_someone_declines(
    community, schedule, django_capture_on_commit_callbacks
):
    meeting = schedule(capacity=2)
    first, second, third, fourth = (MembershipFactory(community=community).user for _ in range(4))
    assert services.rsvp_set(meeting=meeting, user=first, answer="yes").status == "going"
    assert services.rsvp_set(meeting=meeting, user=second, answer="yes").status == "going"
    assert services.rsvp_set(meeting=meeting, user=third, answer="yes").status == "waiting"
    assert services.rsvp_set(meeting=meeting, user=fourth, answer="yes").status == "waiting"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_set(meeting=meeting, user=first, answer="no")

    statuses = dict(Rsvp.objects.filter(meeting=meeting).values_list("user", "status"))
    assert statuses == {
        first.pk: "declined",
        second.pk: "going",
        third.pk: "going",
        fourth.pk: "waiting",
    }
    meeting.refresh_from_db()
    assert meeting.going_count == 2
    [promoted] = mail.outbox
    assert promoted.to == [third.email]
    assert promoted.attachments[0][2].startswith("text/calendar")


def test_a_person_who_left_is_passed_over_on_the_waiting_list(community, schedule):
    meeting = schedule(capacity=1)
    going, left, next_up = (MembershipFactory(community=community).user for _ in range(3))
    services.rsvp_set(meeting=meeting, user=going, answer="yes")
    services.rsvp_set(meeting=meeting, user=left, answer="yes")
    services.rsvp_set(meeting=meeting, user=next_up, answer="yes")
    Membership.objects.filter(user=left).update(status="left")

    services.rsvp_set(meeting=meeting, user=going, answer="maybe")

    assert Rsvp.objects.get(meeting=meeting, user=next_up).status == "going"
    assert Rsvp.objects.get(meeting=meeting, user=left).status == "waiting"


def test_outsiders_cannot_rsvp_to_members_meetings_but_may_to_guest_meetings(schedule):
    outsider = UserFactory()
    members_only = schedule()
    with pytest.raises(PermissionDenied):
        services.rsvp_set(meeting=members_only, user=outsider, answer="yes")
    open_meeting = schedule(audience="guests")
    assert services.rsvp_set(meeting=open_meeting, user=outsider, answer="yes").status == "going"


def test_cancelling_an_occurrence_tells_those_who_said_yes(
    community, schedule, member, django_capture_on_commit_callbacks
):
    meeting = schedule(rule="FREQ=WEEKLY")
    maybe = MembershipFactory(community=community).user
    services.rsvp_set(meeting=meeting, user=member, answer="yes")
    services.rsvp_set(meeting=meeting, user=maybe, answer="maybe")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=meeting.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=meeting.created_by)

    [email] = mail.outbox
    assert email.to == [member.email]
    name, content, mimetype = email.attachments[0]
    assert "method=CANCEL" in mimetype
    assert "METHOD:CANCEL" in content and "RECURRENCE-ID" in content
    assert f"UID:{meeting.series.uid}@" in content
    meeting.refresh_from_db()
    assert meeting.is_cancelled and meeting.sequence == 1
    # The rest of the series is untouched.
    assert meeting.series.meetings.filter(status="scheduled").count() > 40


def test_moving_this_one_detaches_it_and_sends_an_update(
    community, schedule, member, django_capture_on_commit_callbacks
):
    meeting = schedule(rule="FREQ=WEEKLY")
    services.rsvp_set(meeting=meeting, user=member, answer="yes")
    mail.outbox.clear()
    new_start = timezone.localtime(meeting.starts_at, ZoneInfo(BERLIN)).replace(
        tzinfo=None
    ) + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        moved = services.meeting_update(
            meeting=meeting, by=meeting.created_by, data=meeting_data(), starts_local=new_start
        )

    assert moved.is_detached and moved.sequence == 1
    assert moved.original_start != moved.starts_at
    [email] = mail.outbox
    assert email.to == [member.email]
    assert "RECURRENCE-ID" in email.attachments[0][1]


def test_this_and_following_splits_the_series_and_keeps_rsvps(community, schedule, member):
    first = schedule(rule="FREQ=WEEKLY")
    old_series = first.series
    rows = list(old_series.meetings.order_by("starts_at"))
    third = rows[2]
    services.rsvp_set(meeting=rows[3], user=member, answer="yes")
    local = timezone.localtime(third.starts_at, ZoneInfo(BERLIN)).replace(tzinfo=None)

    services.meeting_update(
        meeting=third,
        by=first.created_by,
        data=meeting_data(title="Evening clinic"),
        starts_local=local.replace(hour=20),
        scope="following",
    )

    old_series.refresh_from_db()
    assert "UNTIL=" in old_series.rrule and old_series.sequence == 1
    assert old_series.meetings.count() == 2
    new_series = MeetingSeries.objects.exclude(pk=old_series.pk).get()
    moved = list(new_series.meetings.order_by("starts_at"))
    assert {m.title for m in moved} == {"Evening clinic"}
    assert {timezone.localtime(m.starts_at, ZoneInfo(BERLIN)).hour for m in moved} == {20}
    assert Rsvp.objects.get(user=member).meeting.series == new_series
    with pytest.raises(ValidationError):
        services.meeting_update(
            meeting=moved[1],
            by=first.created_by,
            data=meeting_data(),
            starts_local=local + timedelta(days=9),
            scope="following",
        )


def test_extending_keeps_a_series_a_year_ahead(schedule):
    meeting = schedule(rule="FREQ=MONTHLY;BYMONTHDAY=1")
    series = meeting.series
    later = timezone.now() + timedelta(days=90)
    created = services.series_extend_all(now=later)
    assert created in (2, 3)
    series.refresh_from_db()
    assert series.materialised_until == later + services.HORIZON
    assert Meeting.objects.filter(series=series).count() == series.meetings.count()
