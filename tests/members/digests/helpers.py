"""Shared helpers for the digest tests: readers on a cadence and time zone, and
sending a batch with what waits for the commit run at the end."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.core import mail
from django.test import TestCase
from django.utils import timezone

from members.digests import sending
from tests import digest_builders as build

# Monday 1 June 2026, 05:00 UTC: 07:00 in Berlin (summer time), 01:00 in New York.
MONDAY_0500_UTC = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def reader_of(community, *, cadence="weekly", zone="UTC", **fields):
    return build.member(
        community, digest_cadence=cadence, time_zone=zoneinfo.ZoneInfo(zone), **fields
    )


def committed():
    """Run what waits for the commit (publishing tasks, eager here) at the end of the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def send(users, period="weekly:2026-W23", *, since=None, **kwargs):
    now = timezone.now()
    with committed():
        return sending.send_batch(
            user_ids=[u.pk for u in users],
            period=period,
            since=since or now - timedelta(days=7),
            now=now,
            **kwargs,
        )


def digest_emails(to=None):
    return [m for m in mail.outbox if to is None or m.to == [to]]
