"""Digest delivery: periods, who is due, one claim per member and period, unsubscribing,
the preview page and the management command."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail, signing
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from members import digests
from members.digests import schedule, sending
from members.models import DigestDelivery, Notification, NotificationKind, OutboundEmail, User
from members.tasks import send_digest_batch
from tests import digest_builders as build
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

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
        return digests.send_batch(
            user_ids=[u.pk for u in users],
            period=period,
            since=since or now - timedelta(days=7),
            now=now,
            **kwargs,
        )


def digest_emails(to=None):
    return [m for m in mail.outbox if to is None or m.to == [to]]


# --- Periods and who is due --------------------------------------------------------------


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
    assert digests.period_key(cadence, day) == key


def test_the_period_is_taken_in_the_members_time_zone():
    late_sunday_utc = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    berlin = User(digest_cadence="daily", time_zone=zoneinfo.ZoneInfo("Europe/Berlin"))
    utc = User(digest_cadence="daily", time_zone=zoneinfo.ZoneInfo("UTC"))

    assert digests.period_for(berlin, late_sunday_utc) == "daily:2026-06-01"
    assert digests.period_for(utc, late_sunday_utc) == "daily:2026-05-31"


def test_members_are_due_at_the_send_hour_in_their_own_time_zone(settings):
    settings.DIGEST_SEND_HOUR = 7
    community = build.community()
    berlin_daily = reader_of(community, cadence="daily", zone="Europe/Berlin")
    berlin_weekly = reader_of(community, zone="Europe/Berlin")
    new_york = reader_of(community, cadence="daily", zone="America/New_York")
    utc = reader_of(community, cadence="daily")
    reader_of(community, cadence="off", zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC, tick=False):
        due = set(digests.due_members(timezone.now()))
        groups = {(g.cadence, g.period) for g in schedule.due_groups(timezone.now())}
    with time_machine.travel(MONDAY_0500_UTC + timedelta(hours=6), tick=False):
        later = set(digests.due_members(timezone.now()))  # 07:00 in New York

    assert due == {berlin_daily, berlin_weekly}
    assert groups == {("daily", "daily:2026-06-01"), ("weekly", "weekly:2026-W23")}
    assert later == {new_york}
    assert utc not in due | later


def test_weekly_digests_are_due_on_mondays_only():
    community = build.community()
    weekly = reader_of(community, zone="Europe/Berlin")
    daily = reader_of(community, cadence="daily", zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC + timedelta(days=1), tick=False):
        due = set(digests.due_members(timezone.now()))

    assert due == {daily}
    assert weekly not in due


def test_a_half_hour_time_zone_is_due_at_its_own_seven_oclock():
    community = build.community()
    kolkata = reader_of(community, cadence="daily", zone="Asia/Kolkata")

    with time_machine.travel(datetime(2026, 6, 2, 1, 30, tzinfo=UTC), tick=False):
        assert set(digests.due_members(timezone.now())) == {kolkata}
    with time_machine.travel(datetime(2026, 6, 2, 1, 15, tzinfo=UTC), tick=False):
        assert not digests.due_members(timezone.now()).exists()


def test_members_with_a_digest_for_the_period_or_nothing_to_read_are_not_due():
    community = build.community()
    done = reader_of(community, zone="Europe/Berlin")
    DigestDelivery.objects.create(user=done, period="weekly:2026-W23", since=timezone.now())
    lonely = UserFactory(time_zone=zoneinfo.ZoneInfo("Europe/Berlin"))  # no community
    inactive = reader_of(community, zone="Europe/Berlin", is_active=False)
    waiting = reader_of(community, zone="Europe/Berlin")

    with time_machine.travel(MONDAY_0500_UTC, tick=False):
        due = set(digests.due_members(timezone.now()))

    assert due == {waiting}
    assert not {done, lonely, inactive} & due


# --- Sending a batch --------------------------------------------------------------------


@pytest.fixture
def community():
    community = build.community()
    build.experience(community, title="Bedside handover", learned="Ask the patient first.")
    return community


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
        [batch] = digests.due_batches(timezone.now())
    assert batch.user_ids == [reader.pk]

    build.remove(private, reader)
    with committed():
        counts = digests.send_batch(user_ids=batch.user_ids, period=batch.period, since=batch.since)

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
        assert digests.deliveries_retry(delivery_ids=[failed.pk]) == 1

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


def test_dispatch_fans_out_batches_and_a_second_dispatch_sends_nothing_more(settings):
    settings.DIGEST_BATCH_SIZE = 2
    with time_machine.travel(MONDAY_0500_UTC, tick=True):
        community = build.community()
        build.experience(community)
        readers = [reader_of(community, zone="Europe/Berlin") for _ in range(5)]

        with committed():
            assert digests.dispatch() == 3
        assert digests.dispatch() == 0

    assert sorted(m.to[0] for m in digest_emails()) == sorted(r.email for r in readers)
    assert DigestDelivery.objects.filter(status="sent", period="weekly:2026-W23").count() == 5


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


def test_digest_queries_per_member_stay_flat():
    """Content is read once per batch; each member costs the same few queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        community = build.community(f"Community of {count}")
        author = build.member(community, digest_cadence="off")
        build.experience(community, author=author, tags=["sbar"])
        build.challenge(community, author=author, tags=["sbar"])
        readers = [reader_of(community, help_with=["sbar"]) for _ in range(count)]
        now = timezone.now()
        with CaptureQueriesContext(connection) as captured:
            counts = digests.send_batch(
                user_ids=[r.pk for r in readers],
                period=f"weekly:2026-W{count}",
                since=now - timedelta(days=7),
                now=now,
            )
        assert counts["sent"] == count
        return len(captured)

    ten, fifty = queries_for(10), queries_for(50)
    per_member = (fifty - ten) / 40

    fixed = ten - 10 * per_member
    # 13 inside the test's transaction, where each atomic block adds two SAVEPOINT
    # queries; 9 in production's autocommit.
    assert per_member <= 13
    assert fixed <= 8


# --- Unsubscribing --------------------------------------------------------------------------


def test_a_signed_link_shows_a_confirmation_and_changes_nothing_on_get(client, community):
    reader = reader_of(community)

    url = reverse("members:digest_unsubscribe", args=[digests.unsubscribe_token(reader.pk)])

    response = client.get(url)

    assert response.status_code == 200
    assert "Stop the digest emails?" in response.content.decode()
    assert "/settings/notifications/" in response.content.decode()
    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"


def test_the_unsubscribe_button_works_without_signing_in(client, community):
    reader = reader_of(community)
    url = reverse("members:digest_unsubscribe", args=[digests.unsubscribe_token(reader.pk)])

    response = client.post(url)

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.digest_cadence == "off"
    assert "You are unsubscribed" in client.get(url).content.decode()


def test_a_mail_clients_one_click_post_unsubscribes_without_cookies_or_csrf(community):
    from django.test import Client

    reader = reader_of(community)
    url = reverse("members:digest_unsubscribe", args=[digests.unsubscribe_token(reader.pk)])
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.digest_cadence == "off"


def test_a_community_link_leaves_only_that_community_out(client, community):
    reader = reader_of(community)
    url = reverse(
        "members:digest_unsubscribe", args=[digests.unsubscribe_token(reader.pk, community.pk)]
    )

    assert "Leave Safe handovers out of your digest?" in client.get(url).content.decode()
    client.post(url)

    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"
    assert Membership.objects.get(user=reader, community=community).digest_opt_out
    assert send([reader])["empty"] == 1


@pytest.mark.parametrize(
    "token",
    [
        "tampered",
        signing.dumps({"u": 1, "s": "all"}, salt="another-purpose"),
        signing.dumps({"u": "1", "s": "all"}, salt="digest-unsubscribe"),
    ],
    ids=["garbage", "other salt", "wrong shape"],
)
def test_a_tampered_or_foreign_token_changes_nothing(client, community, token):
    reader = reader_of(community)

    response = client.post(reverse("members:digest_unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"


def test_a_token_edited_to_name_another_member_is_refused(client, community):
    reader = reader_of(community)
    victim = reader_of(community)
    token = digests.unsubscribe_token(reader.pk)
    _payload, rest = token.split(":", 1)
    forged_payload = signing.dumps({"u": victim.pk, "s": "all"}, salt="x").split(":", 1)[0]

    client.post(reverse("members:digest_unsubscribe", args=[f"{forged_payload}:{rest}"]))

    victim.refresh_from_db()
    assert victim.digest_cadence == "weekly"


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_shows_the_next_digest_and_sends_nothing(client, community):
    reader = reader_of(community)
    private = build.community("Private circle", members_only=True)
    build.experience(private, title="Private lesson")
    client.force_login(reader)

    page = client.get(reverse("members:digest_preview"))
    frame = client.get(reverse("members:digest_preview_email"))

    assert page.status_code == 200
    assert "Safe handovers" in page.content.decode()
    assert "Bedside handover" in page.content.decode()
    assert "Private lesson" not in page.content.decode()
    assert frame.status_code == 200
    assert "Bedside handover" in frame.content.decode()
    assert '<base target="_top">' in frame.content.decode()
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert digest_emails() == []
    assert not DigestDelivery.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_after_this_weeks_digest_the_preview_shows_only_what_came_since(client, community):
    reader = reader_of(community)
    send([reader], digests.period_for(reader, timezone.now()))
    build.experience(community, title="Newer than the last digest", when=timezone.now())
    client.force_login(reader)

    page = client.get(reverse("members:digest_preview")).content.decode()

    assert "Newer than the last digest" in page
    assert "Bedside handover" not in page


def test_the_preview_says_when_nothing_would_be_sent(client):
    reader = reader_of(build.community())
    client.force_login(reader)

    page = client.get(reverse("members:digest_preview"))

    assert "no digest would be sent" in page.content.decode()
    assert client.get(reverse("members:digest_preview_email")).status_code == 404


def test_the_preview_needs_signing_in(client):
    response = client.get(reverse("members:digest_preview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- The command ------------------------------------------------------------------------------


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
