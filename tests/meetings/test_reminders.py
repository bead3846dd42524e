from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting, ReminderDelivery, ReminderPreference
from communities.models import Membership
from members.models import OutboundEmail
from tests.factories import MembershipFactory
from tests.meetings.conftest import next_local

pytestmark = pytest.mark.django_db


def reminders(kind=None):
    emails = OutboundEmail.objects.filter(kind="meeting_reminder")
    return sorted(emails.values_list("to", flat=True))


@pytest.fixture
def meeting(community, schedule):
    return schedule(starts_local=next_local(days=3))


def answer(meeting, community, value):
    user = MembershipFactory(community=community).user
    services.rsvp_set(meeting=meeting, user=user, answer=value)
    return user


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        services.reminders_dispatch()


def test_the_day_before_and_the_hour_before_each_arrive_once(meeting, community):
    yes = answer(meeting, community, "yes")
    maybe = answer(meeting, community, "maybe")
    answer(meeting, community, "no")

    run_at(meeting.starts_at - timedelta(hours=30))
    assert reminders() == []
    run_at(meeting.starts_at - timedelta(hours=20))
    run_at(meeting.starts_at - timedelta(hours=19))
    assert reminders() == sorted([yes.email, maybe.email])
    run_at(meeting.starts_at - timedelta(minutes=50))
    run_at(meeting.starts_at - timedelta(minutes=40))
    assert reminders() == sorted([yes.email, maybe.email] * 2)
    kinds = ReminderDelivery.objects.filter(user=yes).values_list("kind", flat=True)
    assert sorted(kinds) == ["day_before", "hour_before"]
    email = OutboundEmail.objects.filter(to=yes.email).order_by("pk").last()
    assert email.subject.startswith("In an hour")
    assert email.attachments[0]["mimetype"].startswith("text/calendar")


def test_no_reminders_for_cancelled_meetings_or_people_who_left(meeting, community):
    stayed = answer(meeting, community, "yes")
    left = answer(meeting, community, "yes")
    Membership.objects.filter(user=left).update(status=Membership.Status.LEFT)
    run_at(meeting.starts_at - timedelta(hours=20))
    assert reminders() == [stayed.email]

    services.meeting_cancel(meeting=meeting, by=meeting.created_by)
    run_at(meeting.starts_at - timedelta(minutes=30))
    assert reminders() == [stayed.email]


def test_a_member_who_turned_a_kind_off_gets_only_the_other(meeting, community):
    user = answer(meeting, community, "yes")
    ReminderPreference.objects.create(user=user, day_before=False, hour_before=True)
    run_at(meeting.starts_at - timedelta(hours=20))
    assert reminders() == []
    run_at(meeting.starts_at - timedelta(minutes=30))
    assert reminders() == [user.email]


def test_a_moved_meeting_is_reminded_again_at_its_new_time(meeting, community):
    user = answer(meeting, community, "yes")
    run_at(meeting.starts_at - timedelta(hours=20))
    new_start = meeting.starts_at + timedelta(days=2)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=new_start, ends_at=new_start + timedelta(hours=1)
    )
    run_at(new_start - timedelta(hours=20))
    assert reminders() == [user.email, user.email]


def test_sending_the_same_reminders_again_queues_nothing(meeting, community):
    answer(meeting, community, "yes")
    moment = meeting.starts_at - timedelta(hours=20)
    with time_machine.travel(moment, tick=False):
        first = services.reminders_send(meeting_id=meeting.pk, kind="day_before")
        second = services.reminders_send(meeting_id=meeting.pk, kind="day_before")
        too_early = services.reminders_send(meeting_id=meeting.pk, kind="hour_before")
    assert (first.queued, second.queued, too_early.queued) == (1, 0, 0)
    assert timezone.now() < meeting.starts_at
