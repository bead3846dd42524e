"""Periods in each member's time zone, who is due, and the dispatcher's fan-out."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from members.digests import schedule
from members.models import DigestDelivery, User
from tests import digest_builders as build
from tests.factories import UserFactory

from .helpers import MONDAY_0500_UTC, committed, digest_emails, reader_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cadence", "day", "key"),
    [
        ("daily", date(2026, 6, 1), "daily:2026-06-01"),
        ("weekly", date(2026, 6, 1), "weekly:2026-W23"),
        ("weekly", date(2026, 6, 7), "weekly:2026-W23"),
        # ISO weeks: 1 January 2027 is a Friday of the last week of 2026.
        ("weekly", date(2027, 1, 1), "weekly:2026-W53"),
        ("weekly", date(2027, 1, 4), "weekly:2027-W01"),
    ],
)
def test_period_keys_use_the_day_and_the_iso_week(cadence, day, key):
    assert schedule.period_key(cadence, day) == key


def test_the_period_is_taken_in_the_members_time_zone():
    late_sunday_utc = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    berlin = User(digest_cadence="daily", time_zone=zoneinfo.ZoneInfo("Europe/Berlin"))
    utc = User(digest_cadence="daily", time_zone=zoneinfo.ZoneInfo("UTC"))

    assert schedule.period_for(berlin, late_sunday_utc) == "daily:2026-06-01"
    assert schedule.period_for(utc, late_sunday_utc) == "daily:2026-05-31"


def test_members_are_due_at_the_send_hour_in_their_own_time_zone(settings):
    settings.DIGEST_SEND_HOUR = 7
    community = build.community()
    berlin_daily = reader_of(community, cadence="daily", zone="Europe/Berlin")
    berlin_weekly = reader_of(community, zone="Europe/Berlin")
    new_york = reader_of(community, cadence="daily", zone="America/New_York")
    utc = reader_of(community, cadence="daily")
    reader_of(community, cadence="off", zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC, tick=False):
        due = set(schedule.due_members(timezone.now()))
        groups = {(g.cadence, g.period) for g in schedule.due_groups(timezone.now())}
    with time_machine.travel(MONDAY_0500_UTC + timedelta(hours=6), tick=False):
        later = set(schedule.due_members(timezone.now()))  # 07:00 in New York

    assert due == {berlin_daily, berlin_weekly}
    assert groups == {("daily", "daily:2026-06-01"), ("weekly", "weekly:2026-W23")}
    assert later == {new_york}
    assert utc not in due | later


def test_weekly_digests_are_due_on_mondays_only():
    community = build.community()
    weekly = reader_of(community, zone="Europe/Berlin")
    daily = reader_of(community, cadence="daily", zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC + timedelta(days=1), tick=False):
        due = set(schedule.due_members(timezone.now()))

    assert due == {daily}
    assert weekly not in due


def test_a_half_hour_time_zone_is_due_at_its_own_seven_oclock():
    community = build.community()
    kolkata = reader_of(community, cadence="daily", zone="Asia/Kolkata")

    with time_machine.travel(datetime(2026, 6, 2, 1, 30, tzinfo=UTC), tick=False):
        assert set(schedule.due_members(timezone.now())) == {kolkata}
    with time_machine.travel(datetime(2026, 6, 2, 1, 15, tzinfo=UTC), tick=False):
        assert not schedule.due_members(timezone.now()).exists()


def test_members_with_a_digest_for_the_period_or_nothing_to_read_are_not_due():
    community = build.community()
    done = reader_of(community, zone="Europe/Berlin")
    DigestDelivery.objects.create(user=done, period="weekly:2026-W23", since=timezone.now())
    lonely = UserFactory(time_zone=zoneinfo.ZoneInfo("Europe/Berlin"))  # no community
    inactive = reader_of(community, zone="Europe/Berlin", is_active=False)
    waiting = reader_of(community, zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC, tick=False):
        due = set(schedule.due_members(timezone.now()))

    assert due == {waiting}
    assert not {done, lonely, inactive} & due


def test_dispatch_fans_out_batches_and_a_second_dispatch_sends_nothing_more(settings):
    settings.DIGEST_BATCH_SIZE = 2
    with time_machine.travel(MONDAY_0500_UTC, tick=True):
        community = build.community()
        build.experience(community)
        readers = [reader_of(community, zone="Europe/Berlin") for _ in range(5)]

        with committed():
            assert schedule.dispatch() == 3
        assert schedule.dispatch() == 0

    assert sorted(m.to[0] for m in digest_emails()) == sorted(r.email for r in readers)
    assert DigestDelivery.objects.filter(status="sent", period="weekly:2026-W23").count() == 5
