"""Staff run site-wide webhooks in the admin, through the same services as the site."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from communities.webhooks import services
from communities.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.staff import login_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    TOTP.activate(staff_user, generate_totp_secret())
    login_with_mfa(client, staff_user)
    return client


def test_staff_register_a_site_wide_endpoint_with_a_generated_secret(
    staff_client, staff_user, receiver
):
    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "url": receiver.url,
            "description": "Site analytics",
            "events": ["post.published", "member.joined"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.community is None
    assert endpoint.created_by == staff_user
    assert endpoint.secret.startswith("whsec_")
    page = staff_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()


def test_the_admin_refuses_a_private_target(staff_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    response = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": "https://192.168.1.1/", "events": ["post.published"], "is_active": "on"},
    )

    assert response.status_code == 200
    assert "private network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_staff_send_a_test_event_and_redeliver_from_the_admin(
    staff_client, staff_user, receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        url=receiver.url, created_by=staff_user, events=["post.published"], secret="whsec_QUJD"
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:webhooks_webhookendpoint_changelist"),
            {"action": "send_test_event", "_selected_action": [endpoint.pk]},
        )
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )

    assert [r.webhook_id for r in receiver.received()] == [delivery.webhook_id] * 2


def test_a_communitys_endpoint_is_its_facilitators_not_the_admins(
    staff_client, community, facilitator, receiver
):
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    change = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])

    staff_client.post(change, {"url": "https://example.org/", "events": ["ping"]})

    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url
