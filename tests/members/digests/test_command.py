"""`manage.py send_digests`: the dry run, sending now, and the send hour."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from members.models import DigestDelivery
from tests import digest_builders as build

from .helpers import MONDAY_0500_UTC, committed, digest_emails, reader_of

pytestmark = pytest.mark.django_db


def test_dry_run_shows_who_would_get_what_and_sends_nothing(community):
    reader = reader_of(community)
    quiet = reader_of(build.community("Quiet"))
    out = StringIO()

    call_command("send_digests", "--dry-run", "--now", stdout=out)

    output = out.getvalue()
    assert reader.email in output and "Safe handovers: 1" in output
    assert quiet.email in output and "nothing new" in output
    assert not DigestDelivery.objects.exists()
    assert digest_emails() == []


def test_the_command_sends_now_and_summarises(community):
    reader = reader_of(community)
    reader_of(build.community("Quiet"))

    out, again = StringIO(), StringIO()
    with committed():
        call_command("send_digests", "--now", stdout=out)
    call_command("send_digests", "--now", stdout=again)

    assert "sent 1, empty 1, skipped 0, failed 0" in out.getvalue()
    assert "No member is due" in again.getvalue()
    assert len(digest_emails(reader.email)) == 1


def test_without_now_the_command_respects_the_send_hour(community):
    reader_of(community, zone="Europe/Berlin")
    out = StringIO()

    with time_machine.travel(MONDAY_0500_UTC + timedelta(hours=3), tick=False):
        call_command("send_digests", stdout=out)

    assert "No member is due" in out.getvalue()
