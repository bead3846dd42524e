"""The signed-in member's preview of their next digest: nothing is claimed or sent."""

import pytest
from django.urls import reverse
from django.utils import timezone

from members.digests import schedule
from members.models import DigestDelivery, OutboundEmail
from tests import digest_builders as build

from .helpers import digest_emails, reader_of, send

pytestmark = pytest.mark.django_db


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
    send([reader], schedule.period_for(reader, timezone.now()))
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
    assert not DigestDelivery.objects.exists()
    assert digest_emails() == []


def test_the_preview_needs_signing_in(client):
    response = client.get(reverse("members:digest_preview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
