"""The staff's admin pages for digest deliveries and the outbox's "send now" action."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import DigestDelivery, OutboundEmail
from tests import digest_builders as build

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:members_digestdelivery_changelist"


@pytest.fixture
def staff_client(client, staff_user):
    """A staff member signed in with two-factor authentication set up."""
    TOTP.activate(staff_user, generate_totp_secret())
    client.force_login(staff_user)
    return client


@pytest.fixture
def failed():
    community = build.community()
    build.experience(community, title="Bedside handover")
    reader = build.member(community, email="rita@example.org")
    return DigestDelivery.objects.create(
        user=reader,
        period="weekly:2026-W48",
        since=timezone.now() - timedelta(days=7),
        status=DigestDelivery.Status.FAILED,
        error="ValueError: template exploded",
    )


def act(client, url_name: str, action: str, *pks: int, capture):
    with capture(execute=True):
        return client.post(
            reverse(url_name),
            {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]},
            follow=True,
        )


def test_deliveries_are_listed_searched_and_filtered(staff_client, failed):
    listing = staff_client.get(reverse(CHANGELIST)).content.decode()
    by_email = staff_client.get(reverse(CHANGELIST), {"q": "rita@"}).content.decode()
    nobody = staff_client.get(reverse(CHANGELIST), {"q": "nobody@"}).content.decode()
    by_status = staff_client.get(reverse(CHANGELIST), {"status__exact": "failed"})

    assert "weekly:2026-W48" in listing and "template exploded" in listing
    assert "rita@example.org" in by_email
    assert "rita@example.org" not in nobody
    assert by_status.status_code == 200
    assert "errornote" not in by_status.content.decode()
    assert "rita@example.org" in by_status.content.decode()


def test_the_listing_does_not_query_per_row(staff_client, failed, django_assert_max_num_queries):
    community = build.community("Another")
    for i in range(5):
        DigestDelivery.objects.create(
            user=build.member(community), period=f"daily:2026-11-2{i}", since=timezone.now()
        )

    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    listing = response.content.decode()
    assert all(f"daily:2026-11-2{i}" in listing for i in range(5))


def test_send_now_sends_a_failed_digest_again(
    staff_client, failed, django_capture_on_commit_callbacks
):
    response = act(
        staff_client, CHANGELIST, "send_now", failed.pk, capture=django_capture_on_commit_callbacks
    )

    assert "1 failed digest queued again." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == DigestDelivery.Status.SENT
    [message] = mail.outbox
    assert message.to == ["rita@example.org"]
    assert "Bedside handover" in message.body


def test_deliveries_cannot_be_added_or_edited(staff_client, failed):
    assert staff_client.get(reverse("admin:members_digestdelivery_add")).status_code == 403
    change = reverse("admin:members_digestdelivery_change", args=[failed.pk])
    staff_client.post(change, {"status": "sent"})
    failed.refresh_from_db()
    assert failed.status == DigestDelivery.Status.FAILED


def test_send_now_publishes_pending_outbox_emails_at_once(
    staff_client, django_capture_on_commit_callbacks
):
    waiting = OutboundEmail.objects.create(
        to="ada@example.org",
        subject="Backing off",
        body_text="Hello",
        from_email="Practica <hello@practica.localhost>",
        available_at=timezone.now() + timedelta(minutes=30),
    )
    failed = OutboundEmail.objects.create(
        to="bob@example.org",
        subject="Failed",
        body_text="Hello",
        from_email="Practica <hello@practica.localhost>",
        status=OutboundEmail.Status.FAILED,
    )

    response = act(
        staff_client,
        "admin:members_outboundemail_changelist",
        "send_now",
        waiting.pk,
        failed.pk,
        capture=django_capture_on_commit_callbacks,
    )

    assert "1 pending email queued." in response.content.decode()
    waiting.refresh_from_db()
    failed.refresh_from_db()
    assert waiting.status == OutboundEmail.Status.SENT
    assert failed.status == OutboundEmail.Status.FAILED
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
