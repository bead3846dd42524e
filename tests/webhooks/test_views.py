"""The facilitators' webhook pages: registering, the secret, testing, redelivering."""

import pytest
from django.urls import reverse

from communities.webhooks import services
from communities.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import builders

pytestmark = pytest.mark.django_db


def list_url(community):
    return reverse("webhooks:list", args=[community.slug])


def test_a_facilitator_registers_an_endpoint_and_sees_its_secret(
    client, community, facilitator, receiver
):
    client.force_login(facilitator)
    empty = client.get(list_url(community)).content.decode()
    assert "No webhooks yet." in empty

    response = client.post(
        list_url(community),
        {
            "url": receiver.url,
            "description": "Team chat",
            "events": ["post.published", "report.filed"],
            "is_active": "on",
        },
    )

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:detail", args=[community.slug, endpoint.pk])
    assert endpoint.events == ["post.published", "report.filed"]
    assert endpoint.created_by == facilitator
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    assert "Nothing sent yet." in page
    assert "Team chat" in client.get(list_url(community)).content.decode()


def test_the_form_says_what_is_wrong(client, community, facilitator, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(facilitator)

    response = client.post(list_url(community), {"url": "https://10.0.0.7/hook", "events": []})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one event." in page
    response = client.post(
        list_url(community), {"url": "https://10.0.0.7/hook", "events": ["post.published"]}
    )
    assert "private network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_members_cannot_open_the_webhooks(client, community, member):
    client.force_login(member)
    assert client.get(list_url(community)).status_code == 403


def test_sending_a_test_event_shows_it_in_the_log_with_and_without_htmx(
    client, community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    client.force_login(facilitator)
    url = reverse("webhooks:test", args=[community.slug, endpoint.pk])

    with django_capture_on_commit_callbacks(execute=True):
        plain = client.post(url)
    assert plain.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.post(url, HTTP_HX_REQUEST="true")

    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert html.lstrip().startswith('<section class="card manage-section" id="delivery-log"')
    # The test's own transaction holds the new delivery until the block ends; on the
    # site the request commits first and the log shows it sent.
    assert html.count('data-status="succeeded"') == 1
    assert html.count('data-status="pending"') == 1
    assert "HTTP 200" in html
    assert "A test event was sent" in html
    page = client.get(reverse("webhooks:detail", args=[community.slug, endpoint.pk]))
    assert page.content.decode().count('data-status="succeeded"') == 2
    assert "&quot;type&quot;: &quot;ping&quot;" in page.content.decode()  # the payload
    assert [r.payload["type"] for r in receiver.received()] == ["ping", "ping"]


def test_redeliver_from_the_log_keeps_the_webhook_id(
    client, community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)
    client.force_login(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("webhooks:redeliver", args=[community.slug, endpoint.pk]),
            {"delivery": delivery.pk},
        )

    assert response.status_code == 302
    assert [r.webhook_id for r in receiver.received()] == [delivery.webhook_id] * 2


def test_another_endpoints_delivery_cannot_be_redelivered_here(
    client, community, facilitator, receiver
):
    mine = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    other_facilitator = builders.UserFactory()
    other = builders.launch_community(other_facilitator, name="Other", without_posts=True)
    theirs = services.endpoint_create(
        community=other, by=other_facilitator, url=receiver.url, events=["post.published"]
    )
    delivery = services.endpoint_ping(endpoint=theirs, by=other_facilitator)
    client.force_login(facilitator)

    response = client.post(
        reverse("webhooks:redeliver", args=[community.slug, mine.pk]), {"delivery": delivery.pk}
    )

    assert response.status_code == 404


def test_switching_off_rotating_and_removing(client, community, facilitator, receiver):
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    old_secret = endpoint.secret
    client.force_login(facilitator)
    detail = reverse("webhooks:detail", args=[community.slug, endpoint.pk])

    client.post(detail, {"url": receiver.url, "events": ["member.joined"], "description": "x"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.events == ["member.joined"]
    page = client.get(detail).content.decode()
    assert "This endpoint is switched off" in page
    assert "Send test event" not in page

    client.post(reverse("webhooks:rotate", args=[community.slug, endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret

    client.post(reverse("webhooks:delete", args=[community.slug, endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_takes_the_same_queries_however_long_it_is(
    client, community, facilitator, receiver, django_assert_max_num_queries
):
    endpoint = services.endpoint_create(
        community=community, by=facilitator, url=receiver.url, events=["post.published"]
    )
    client.force_login(facilitator)
    detail = reverse("webhooks:detail", args=[community.slug, endpoint.pk])
    for count in (2, 30):
        while WebhookDelivery.objects.count() < count:
            services.endpoint_ping(endpoint=endpoint, by=facilitator)
        with django_assert_max_num_queries(14):
            assert client.get(detail).status_code == 200


def test_an_endpoint_whose_owner_stepped_down_says_so_and_is_taken_over_by_saving(
    client, community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    from communities.models import Membership

    co_facilitator = builders.add_member(community, role="facilitator").user
    endpoint = services.endpoint_create(
        community=community, by=co_facilitator, url=receiver.url, events=["post.published"]
    )
    Membership.objects.filter(community=community, user=co_facilitator).update(role="member")
    client.force_login(facilitator)
    detail = reverse("webhooks:detail", args=[community.slug, endpoint.pk])

    page = client.get(detail).content.decode()
    assert "no longer facilitates this community, so it receives no events" in page
    assert "Silent" in client.get(list_url(community)).content.decode()

    client.post(detail, {"url": receiver.url, "events": ["post.published"], "is_active": "on"})

    endpoint.refresh_from_db()
    assert endpoint.created_by == facilitator
    with django_capture_on_commit_callbacks(execute=True):
        builders.share(community, member, "Heard again")
    assert [r.payload["type"] for r in receiver.received()] == ["post.published"]
