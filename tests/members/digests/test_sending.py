"""Sending a batch: one claim per member and period, failures recorded, stale claims finished."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from members.digests import schedule, sending
from members.models import DigestDelivery, Notification, NotificationKind, OutboundEmail, User
from members.tasks import send_digest_batch
from tests import digest_builders as build

from .helpers import MONDAY_0500_UTC, committed, digest_emails, reader_of, send

pytestmark = pytest.mark.django_db


def test_a_digest_is_sent_once_with_unsubscribe_headers(community):
    reader = reader_of(community)

    first = send([reader])
    second = send([reader])

    assert first == {"sent": 1, "empty": 0, "skipped": 0, "failed": 0}
    assert second == {"sent": 0, "empty": 0, "skipped": 1, "failed": 0}
    [message] = digest_emails(reader.email)
    assert "Safe handovers" in message.subject
    assert "Practica" in message.subject
    assert "Bedside handover" in message.body
    assert "Ask the patient first." in message.body
    html = message.alternatives[0].content
    assert "Bedside handover" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/digest/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = DigestDelivery.objects.get(user=reader)
    assert delivery.status == DigestDelivery.Status.SENT
    assert delivery.item_count == 1
    assert delivery.email.dedupe_key == f"digest:{reader.pk}:weekly:2026-W23"
    assert delivery.email.kind == "digest"


def test_an_empty_digest_is_not_sent():
    quiet = build.community()
    reader = reader_of(quiet)

    assert send([reader])["empty"] == 1

    assert digest_emails() == []
    delivery = DigestDelivery.objects.get(user=reader)
    assert delivery.status == DigestDelivery.Status.EMPTY
    assert delivery.email is None


def test_a_member_removed_between_scheduling_and_sending_gets_nothing_from_that_community():
    private = build.community("Private circle", members_only=True)
    build.experience(private, title="Private lesson")
    reader = reader_of(private)
    with time_machine.travel(MONDAY_0500_UTC + timedelta(hours=2), tick=False):
        [batch] = schedule.due_batches(timezone.now())
    assert batch.user_ids == [reader.pk]

    build.remove(private, reader)
    with committed():
        counts = sending.send_batch(user_ids=batch.user_ids, period=batch.period, since=batch.since)

    assert counts["empty"] == 1
    assert digest_emails() == []


def test_the_next_digest_covers_what_happened_since_the_previous_one_was_sent(community):
    reader = reader_of(community)
    send([reader], "weekly:2026-W22")
    build.experience(community, title="After the last digest", when=timezone.now())

    send([reader], "weekly:2026-W23")

    first, second = digest_emails(reader.email)
    assert "Bedside handover" in first.body
    assert "After the last digest" in second.body
    assert "Bedside handover" not in second.body


def test_notifications_in_the_digest_are_marked_emailed(community):
    reader = reader_of(community)
    post = build.experience(community)
    notification = Notification.objects.create(
        recipient=reader,
        kind=NotificationKind.APPLIED,
        post=post,
        summary="Omar applied your experience",
        url=post.get_absolute_url(),
        email_status=Notification.EmailStatus.DIGEST,
    )

    send([reader])

    [message] = digest_emails(reader.email)
    assert "Omar applied your experience" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_claim_left_by_a_dead_worker_is_finished_by_the_next_attempt(community, settings):
    settings.DIGEST_CLAIM_TIMEOUT = 600
    stale = reader_of(community)
    fresh = reader_of(community)
    week_ago = timezone.now() - timedelta(days=7)
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    for user, claimed_at in ((stale, eleven_minutes_ago), (fresh, timezone.now())):
        DigestDelivery.objects.create(
            user=user, period="weekly:2026-W23", since=week_ago, claimed_at=claimed_at
        )

    counts = send([stale, fresh])

    assert counts == {"sent": 1, "empty": 0, "skipped": 1, "failed": 0}
    assert len(digest_emails(stale.email)) == 1
    assert digest_emails(fresh.email) == []  # still someone else's, for now


def test_an_email_queued_before_the_worker_died_is_not_queued_again(community):
    reader = reader_of(community)
    period = "weekly:2026-W23"
    DigestDelivery.objects.create(
        user=reader,
        period=period,
        since=timezone.now() - timedelta(days=7),
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    queued = OutboundEmail.objects.create(
        to=reader.email,
        subject="Digest",
        body_text="x",
        from_email="a@b.c",
        dedupe_key=f"digest:{reader.pk}:{period}",
    )

    assert send([reader], period)["sent"] == 1

    assert OutboundEmail.objects.filter(to=reader.email).count() == 1
    assert DigestDelivery.objects.get(user=reader).email == queued


def test_a_failing_digest_is_recorded_and_the_batch_goes_on(community, monkeypatch):
    broken = reader_of(community, display_name="Broken")
    fine = reader_of(community, display_name="Fine")
    render = sending.render_digest

    def render_or_fail(user, *args, **kwargs):
        if user.pk == broken.pk:
            raise ValueError("template exploded")
        return render(user, *args, **kwargs)

    monkeypatch.setattr(sending, "render_digest", render_or_fail)
    counts = send([broken, fine])

    assert counts == {"sent": 1, "empty": 0, "skipped": 0, "failed": 1}
    failed = DigestDelivery.objects.get(user=broken)
    assert failed.status == DigestDelivery.Status.FAILED
    assert "template exploded" in failed.error

    monkeypatch.setattr(sending, "render_digest", render)
    with committed():
        assert sending.deliveries_retry(delivery_ids=[failed.pk]) == 1

    failed.refresh_from_db()
    assert failed.status == DigestDelivery.Status.SENT
    assert len(digest_emails(broken.email)) == 1
    assert len(digest_emails(fine.email)) == 1


def test_members_who_turned_the_digest_off_or_changed_cadence_are_skipped(community):
    off = reader_of(community)
    daily = reader_of(community)
    User.objects.filter(pk=off.pk).update(digest_cadence="off")
    User.objects.filter(pk=daily.pk).update(digest_cadence="daily")

    assert send([off, daily])["skipped"] == 2
    assert not DigestDelivery.objects.exists()


def test_the_batch_task_takes_plain_values_and_can_run_twice(community):
    reader = reader_of(community)
    since = (timezone.now() - timedelta(days=7)).isoformat()

    with committed():
        first = send_digest_batch.delay([reader.pk], "weekly:2026-W23", since).get()
    with committed():
        second = send_digest_batch.delay([reader.pk], "weekly:2026-W23", since).get()

    assert first["sent"] == 1
    assert second["skipped"] == 1
    assert len(digest_emails(reader.email)) == 1
