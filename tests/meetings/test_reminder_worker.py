"""Reminders with real processes: a Celery worker started by the test, the real Redis
broker, and emails written to files. Each recipient gets each reminder exactly once,
whether beat runs twice or a worker is killed half-way."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from communities.meetings import services
from communities.meetings.models import Meeting, ReminderDelivery, Rsvp
from members import outbox
from members.models import OutboundEmail
from tests.factories import CommunityFactory, MembershipFactory
from tests.meetings.conftest import meeting_data
from tests.worker import (
    emails_by_recipient,
    publishing_to,
    wait_for,
)

pytestmark = [pytest.mark.worker]


def meeting_in_half_an_hour(attendees: int):
    """A meeting due for its hour-before reminder, with `attendees` who said yes and one
    who said no."""
    community = CommunityFactory()
    facilitator = MembershipFactory(community=community, facilitator=True).user
    start = timezone.localtime(
        timezone.now() + timedelta(minutes=30), timezone.get_fixed_timezone(0)
    )
    meeting = services.meeting_schedule(
        community=community,
        by=facilitator,
        data=meeting_data(),
        starts_local=start.replace(tzinfo=None, microsecond=0),
        time_zone="UTC",
        invite=False,
    )
    people = [MembershipFactory(community=community).user for _ in range(attendees + 1)]
    Rsvp.objects.bulk_create(
        Rsvp(meeting=meeting, user=user, status="going") for user in people[:-1]
    )
    Rsvp.objects.create(meeting=meeting, user=people[-1], status="declined")
    Meeting.objects.filter(pk=meeting.pk).update(going_count=attendees)
    return meeting, people[:-1], people[-1]


def all_sent(count: int) -> bool:
    return OutboundEmail.objects.filter(kind="meeting_reminder", status="sent").count() == count


def test_beat_running_twice_sends_each_reminder_once(start_worker, queue, outbox_dir):
    meeting, attendees, declined = meeting_in_half_an_hour(5)
    worker = start_worker()
    barrier = threading.Barrier(2)
    published = []

    def beat():
        try:
            barrier.wait(timeout=10)
            published.append(services.reminders_dispatch())
        finally:
            connection.close()

    with publishing_to(queue):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        wait_for(lambda: all_sent(5), what="five reminders", logs=[worker.log])
        wait_for(
            lambda: worker.log.read_text().count("meetings.send_meeting_reminders") >= 4,
            what="both tasks to run",
            logs=[worker.log],
        )
        assert services.reminders_dispatch() == 1  # still due; the task finds nothing new

    assert published == [1, 1]
    assert emails_by_recipient(outbox_dir) == {user.email: 1 for user in attendees}
    assert declined.email not in emails_by_recipient(outbox_dir)
    assert ReminderDelivery.objects.count() == 5


def test_a_worker_killed_mid_task_and_restarted_sends_each_reminder_exactly_once(
    start_worker, queue, outbox_dir
):
    count = 150
    meeting, attendees, _declined = meeting_in_half_an_hour(count)
    recovery = {"WORKER_VISIBILITY_TIMEOUT": "4"}
    first = start_worker("first", env=recovery)

    with publishing_to(queue):
        assert services.reminders_dispatch() == 1
        wait_for(
            lambda: ReminderDelivery.objects.count() >= count // 5,
            what="the reminders to be under way",
            logs=[first.log],
            every=0.02,
        )
        first.kill()
        done_before_kill = ReminderDelivery.objects.count()
        assert done_before_kill < count, "the task finished before the kill: use more people"

        second = start_worker("second", env=recovery)
        wait_for(
            lambda: ReminderDelivery.objects.count() == count,
            what="the redelivered task to finish every reminder",
            logs=[first.log, second.log],
        )
        # An email committed just before the kill may have missed its publish; the
        # periodic outbox sweep sends those.
        outbox.outbox_sweep()
        wait_for(lambda: all_sent(count), what="every reminder", logs=[second.log])

    assert emails_by_recipient(outbox_dir) == {user.email: 1 for user in attendees}
    assert OutboundEmail.objects.filter(kind="meeting_reminder").count() == count
    assert "meetings.send_meeting_reminders" in second.log.read_text()
