"""Webhooks end to end against a real receiving HTTP server: what is sent, signed how,
to whom, and what happens when the receiver fails or is slow."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from communities.meetings import services as meeting_services
from communities.models import Membership
from communities.webhooks import services
from communities.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from members.models import OutboundEmail
from practices import services as practices_services
from practices.moderation import premoderation, reporting
from tests import builders
from tests.factories import UserFactory
from tests.webhook_receiver import verify

pytestmark = pytest.mark.django_db

ALL_EVENTS = [
    "post.published",
    "comment.created",
    "member.joined",
    "meeting.scheduled",
    "report.filed",
]


def endpoint_for(community, owner, receiver, events=ALL_EVENTS) -> WebhookEndpoint:
    return services.endpoint_create(
        community=community, by=owner, url=receiver.url, events=events, description="Chat"
    )


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_published_post_reaches_the_receiver_signed_following_standard_webhooks(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks, settings
):
    endpoint = endpoint_for(community, facilitator, receiver)
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", endpoint.secret)

    with django_capture_on_commit_callbacks(execute=True):
        post = builders.share(community, member, "Bedside handover", learned="Ask the patient.")

    [request] = receiver.of_type("post.published")
    assert verify(endpoint.secret, request)
    assert not verify("whsec_" + "A" * 43 + "=", request)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Practica-Webhooks/1"
    assert re.fullmatch(r"msg_[\w-]+", request.webhook_id)
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 30
    data = request.payload["data"]
    assert data["post"]["title"] == "Bedside handover"
    assert data["post"]["url"] == f"{settings.SITE_URL}{post.get_absolute_url()}"
    assert data["post"]["excerpt"] == "Ask the patient."
    assert data["community"]["slug"] == community.slug
    assert data["author"] == {
        "display_name": "Mia Member",
        "profile_url": f"{settings.SITE_URL}{member.get_absolute_url()}",
    }
    assert member.email not in request.body.decode()
    delivery = WebhookDelivery.objects.get(webhook_id=request.webhook_id)
    assert delivery.status == "succeeded"
    assert delivery.response_status == 200
    assert delivery.response_body == "thanks"
    assert delivery.attempts == 1


def test_a_members_only_post_never_reaches_an_endpoint_of_another_community(
    private_community, community, facilitator, receiver, django_capture_on_commit_callbacks
):
    other_facilitator = UserFactory()
    other = builders.launch_community(other_facilitator, name="Other", without_posts=True)
    endpoint_for(other, other_facilitator, receiver)
    insider = builders.add_member(private_community).user

    with django_capture_on_commit_callbacks(execute=True):
        builders.share(private_community, insider, "Members-only lesson")
        builders.share(community, facilitator, "Public lesson")

    assert receiver.received() == []
    assert not WebhookDelivery.objects.exists()


def test_drafts_and_posts_waiting_for_approval_send_nothing_until_published(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(community, facilitator, receiver, events=["post.published"])
    community.premoderation_posts = 1
    community.save(update_fields=["premoderation_posts"])

    with django_capture_on_commit_callbacks(execute=True):
        practices_services.post_create(
            community=community,
            author=facilitator,
            kind="experience",
            data={"title": "Still a draft"},
            publish=False,
        )
        held = builders.share(community, member, "Waiting for a facilitator")
    assert held.status == "pending"
    assert receiver.received() == []
    assert not WebhookEvent.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        premoderation.post_approve(by=facilitator, post=held)

    [request] = receiver.of_type("post.published")
    assert request.payload["data"]["post"]["title"] == "Waiting for a facilitator"


def test_a_post_hidden_before_its_retry_is_not_sent_again(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(community, facilitator, receiver, events=["post.published"])
    receiver.mode = "fail"
    with django_capture_on_commit_callbacks(execute=True):
        post = builders.share(community, member, "Soon hidden")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    practices_services.post_set_hidden(post=post, by=facilitator, hidden=True, reason="Rude")
    receiver.mode = "ok"
    make_due(delivery)

    assert services.delivery_attempt(delivery_id=delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert "no longer visible" in delivery.error
    assert len(receiver.received()) == 1  # only the first, failed attempt
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(delivery=delivery, by=facilitator)
    assert len(receiver.received()) == 1


def test_comments_are_sent_only_when_visible_on_a_visible_post(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(community, facilitator, receiver, events=["comment.created"])
    post = builders.share(community, member, "Shift swap")
    hidden = builders.share(community, member, "Hidden one")
    practices_services.post_set_hidden(post=hidden, by=facilitator, hidden=True, reason="Rude")

    with django_capture_on_commit_callbacks(execute=True):
        comment = practices_services.comment_create(post=post, author=facilitator, body="Yes!")
        practices_services.comment_create(post=hidden, author=facilitator, body="Hidden reply")

    [request] = receiver.received()
    data = request.payload["data"]
    assert data["comment"]["id"] == comment.pk
    assert data["comment"]["excerpt"] == "Yes!"
    assert data["post"]["title"] == "Shift swap"
    assert data["author"]["display_name"] == "Fay Facilitator"


def test_members_joining_and_meetings_scheduled_are_sent(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(community, facilitator, receiver, events=["member.joined", "meeting.scheduled"])
    newcomer = UserFactory(display_name="Nia Newcomer")

    with django_capture_on_commit_callbacks(execute=True):
        builders.add_member(community, newcomer)
        meeting_services.meeting_schedule(
            community=community,
            by=facilitator,
            data={"title": "Case clinic", "duration_minutes": 60},
            starts_local=datetime.combine(timezone.now().date() + timedelta(days=5), time(19)),
            time_zone="Europe/Berlin",
            invite=False,
        )

    [joined] = receiver.of_type("member.joined")
    assert joined.payload["data"]["member"]["display_name"] == "Nia Newcomer"
    assert joined.payload["data"]["member"]["role"] == "member"
    assert newcomer.email not in joined.body.decode()
    [meeting] = receiver.of_type("meeting.scheduled")
    assert meeting.payload["data"]["meeting"]["title"] == "Case clinic"
    assert meeting.payload["data"]["meeting"]["time_zone"] == "Europe/Berlin"


def test_a_report_tells_the_facilitators_endpoint_where_to_review_but_not_who_reported(
    community, facilitator, member, other_member, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(community, facilitator, receiver, events=["report.filed"])
    post = builders.share(community, member, "Questionable")

    with django_capture_on_commit_callbacks(execute=True):
        reporting.report_create(
            reporter=other_member, post=post, rule_id="other", note="Secret note zq"
        )

    [request] = receiver.received()
    report = request.payload["data"]["report"]
    assert report["item"] == "post"
    assert report["reason"] == "other"
    assert report["review_url"].endswith(f"/c/{community.slug}/manage/reports/")
    body = request.body.decode()
    assert "Omar Other" not in body
    assert other_member.email not in body
    assert "Secret note zq" not in body


def test_a_community_endpoint_falls_silent_when_its_owner_stops_facilitating(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    co_facilitator = builders.add_member(community, role="facilitator").user
    endpoint_for(community, co_facilitator, receiver)
    Membership.objects.filter(community=community, user=co_facilitator).update(role="member")

    with django_capture_on_commit_callbacks(execute=True):
        post = builders.share(community, member, "Nobody hears")
        reporting.report_create(reporter=facilitator, post=post, rule_id="other", note="x")

    assert receiver.received() == []


def test_a_retry_is_not_sent_once_the_owner_has_stopped_facilitating(
    community, facilitator, member, receiver, django_capture_on_commit_callbacks
):
    co_facilitator = builders.add_member(community, role="facilitator").user
    endpoint_for(community, co_facilitator, receiver)
    receiver.mode = "fail"
    with django_capture_on_commit_callbacks(execute=True):
        builders.share(community, member, "Heard once, while they facilitated")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and len(receiver.received()) == 1

    Membership.objects.filter(community=community, user=co_facilitator).update(role="member")
    receiver.mode = "ok"
    make_due(delivery)
    assert services.delivery_attempt(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "no longer hears" in delivery.error
    assert len(receiver.received()) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_switched_off_and_its_owner_told(
    community, facilitator, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = 1
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    receiver.mode = "fail"
    endpoint = endpoint_for(community, facilitator, receiver)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)

    for number, wait in enumerate(schedule, start=1):
        delivery.refresh_from_db()
        assert delivery.status == "retrying"
        assert delivery.attempts == number
        assert delivery.response_status == 500
        assert delivery.response_body == "receiver broke"
        waited = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert wait <= waited <= wait * 1.1 + 1
        # Not due yet: a worker that gets the task early sends nothing.
        assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"
        make_due(delivery)
        services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == len(schedule) + 1
    assert delivery.next_attempt_at is None
    requests = receiver.received()
    assert len(requests) == len(schedule) + 1
    assert {r.webhook_id for r in requests} == {delivery.webhook_id}
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "failed every attempt" in endpoint.disabled_reason
    [email] = OutboundEmail.objects.filter(to=facilitator.email, kind="webhook_disabled")
    assert "Webhook switched off" in email.subject
    assert receiver.url in email.body_text
    assert f"/manage/webhooks/{endpoint.pk}/" in email.body_text

    # Switched off, nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        builders.share(community, facilitator, "Nobody listens")
    assert len(receiver.received()) == len(schedule) + 1


def test_the_owner_hears_in_their_own_language(
    community, facilitator, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_RETRY_SCHEDULE = []
    settings.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = 1
    facilitator.language = "de"
    facilitator.save(update_fields=["language"])
    receiver.mode = "fail"
    endpoint = endpoint_for(community, facilitator, receiver)

    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_ping(endpoint=endpoint, by=facilitator)

    [email] = OutboundEmail.objects.filter(to=facilitator.email, kind="webhook_disabled")
    assert "Webhook abgeschaltet" in email.subject


def test_failures_for_more_than_a_day_switch_the_endpoint_off(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    receiver.mode = "fail"
    endpoint = endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )

    make_due(delivery)
    services.delivery_attempt(delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "24 hours" in endpoint.disabled_reason
    assert OutboundEmail.objects.filter(to=facilitator.email, kind="webhook_disabled").exists()


def test_a_success_forgets_earlier_failures(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    receiver.mode = "fail"
    endpoint = endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)
    receiver.mode = "ok"
    make_due(delivery)

    assert services.delivery_attempt(delivery_id=delivery.pk) == "succeeded"

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.failed_deliveries == 0


def test_a_slow_receiver_times_out_counts_as_a_failure_and_is_retried(
    community, facilitator, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_READ_TIMEOUT = 0.5
    receiver.delay = 3
    endpoint = endpoint_for(community, facilitator, receiver)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)

    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert delivery.response_status is None
    assert "timed out" in delivery.error.lower()
    assert delivery.response_ms < 3000

    receiver.delay = 0
    make_due(delivery)
    assert services.delivery_attempt(delivery_id=delivery.pk) == "succeeded"
    assert [r.webhook_id for r in receiver.received()] == [delivery.webhook_id] * 2


def test_redelivering_sends_the_same_webhook_id_again(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(delivery=delivery, by=facilitator)

    first, second = receiver.received()
    assert first.webhook_id == second.webhook_id == delivery.webhook_id
    assert first.body == second.body
    assert verify(endpoint.secret, second)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2


def test_a_delivery_is_sent_once_however_often_its_task_runs(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)

    assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert services.deliveries_sweep() == 0
    assert len(receiver.received()) == 1


def test_a_delivery_another_worker_holds_is_left_to_it_until_its_claim_expires(
    community, facilitator, receiver
):
    endpoint = endpoint_for(community, facilitator, receiver)
    delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)  # not yet published
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claim_token="other", claimed_until=timezone.now() + timedelta(seconds=30)
    )

    assert services.deliveries_sweep() == 0
    assert services.delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert receiver.received() == []

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.deliveries_sweep() == 1  # eager here: the sweep's task sends it
    assert [r.webhook_id for r in receiver.received()] == [delivery.webhook_id]


def test_a_rotated_secret_signs_the_next_attempt(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(community, facilitator, receiver)
    old = endpoint.secret
    rotated = services.endpoint_rotate_secret(endpoint=endpoint, by=facilitator)
    assert rotated.secret != old

    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_ping(endpoint=endpoint, by=facilitator)

    [request] = receiver.received()
    assert verify(rotated.secret, request)
    assert not verify(old, request)


def test_site_wide_endpoints_of_staff_hear_every_community(
    community, private_community, facilitator, receiver, django_capture_on_commit_callbacks
):
    from tests.factories import StaffFactory

    staff = StaffFactory()
    WebhookEndpoint.objects.create(
        community=None,
        created_by=staff,
        url=receiver.url,
        events=["post.published"],
        secret="whsec_" + "A" * 43 + "=",
    )
    insider = builders.add_member(private_community).user

    with django_capture_on_commit_callbacks(execute=True):
        builders.share(community, facilitator, "Public")
        builders.share(private_community, insider, "Private")

    titles = sorted(r.payload["data"]["post"]["title"] for r in receiver.received())
    assert titles == ["Private", "Public"]


# --- Where webhooks may go -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(community, facilitator, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(
            community=community, by=facilitator, url=url, events=["post.published"]
        )

    assert "private network" in str(refused.value)
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_unless_allowed(community, facilitator, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False

    with pytest.raises(ValidationError, match="https://"):
        services.endpoint_create(
            community=community, by=facilitator, url="http://example.org/", events=["ping"]
        )


def test_a_target_is_checked_again_at_delivery_time(
    community, facilitator, receiver, django_capture_on_commit_callbacks, settings
):
    endpoint = endpoint_for(community, facilitator, receiver)
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)

    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert "private network" in delivery.error
    assert receiver.received() == []


def test_redirects_are_not_followed(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", receiver.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = services.endpoint_create(
            community=community,
            by=facilitator,
            url=f"http://127.0.0.1:{server.server_address[1]}/moved",
            events=["post.published"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)
    finally:
        server.shutdown()
        server.server_close()

    delivery.refresh_from_db()
    assert delivery.status == "retrying"
    assert delivery.response_status == 307
    assert receiver.received() == []


def test_only_the_communitys_facilitators_register_endpoints(
    community, member, receiver, staff_user
):
    from django.core.exceptions import PermissionDenied

    for person in (member, staff_user):
        with pytest.raises(PermissionDenied):
            services.endpoint_create(
                community=community, by=person, url=receiver.url, events=["post.published"]
            )
    with pytest.raises(PermissionDenied):
        services.endpoint_create(
            community=None, by=member, url=receiver.url, events=["post.published"]
        )


def test_an_unknown_host_is_refused_at_registration(community, facilitator):
    with pytest.raises(ValidationError, match="could not be found"):
        services.endpoint_create(
            community=community,
            by=facilitator,
            url="https://no-such-host.invalid/hook",
            events=["post.published"],
        )


def test_a_community_has_a_limited_number_of_endpoints(community, facilitator, receiver, settings):
    settings.WEBHOOKS_MAX_ENDPOINTS = 2
    for _ in range(2):
        endpoint_for(community, facilitator, receiver)

    with pytest.raises(ValidationError, match="at most 2"):
        endpoint_for(community, facilitator, receiver)


def test_the_sweep_sends_a_retry_whose_wait_is_over(
    community, facilitator, receiver, django_capture_on_commit_callbacks
):
    receiver.mode = "fail"
    endpoint = endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.endpoint_ping(endpoint=endpoint, by=facilitator)
    receiver.mode = "ok"
    assert services.deliveries_sweep() == 0  # still waiting

    make_due(delivery)
    assert services.deliveries_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert [r.webhook_id for r in receiver.received()] == [delivery.webhook_id] * 2


def test_a_post_shared_without_name_leaves_its_author_out_of_every_payload(
    community, facilitator, member, other_member, receiver, django_capture_on_commit_callbacks
):
    community.allows_unnamed_posts = True
    community.save(update_fields=["allows_unnamed_posts"])
    endpoint_for(community, facilitator, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        post = practices_services.post_create(
            community=community,
            author=member,
            kind="experience",
            data={
                "title": "A handover that failed",
                "tried": "A rushed handover.",
                "happened": "Things were lost.",
                "learned": "Start earlier.",
                "outcome": "failed",
            },
            tags=[],
            shared_without_name=True,
        )
        question = practices_services.comment_create(
            post=post, author=other_member, body="What would you change?"
        )
        practices_services.comment_create(
            post=post, author=member, body="Start earlier.", parent=question
        )
    published = receiver.of_type("post.published")
    comments = receiver.of_type("comment.created")
    assert len(published) == 1 and len(comments) == 2
    unnamed = {"display_name": "a member of this community", "profile_url": None}
    assert published[0].payload["data"]["author"] == unnamed
    assert comments[1].payload["data"]["author"] == unnamed
    assert comments[0].payload["data"]["author"]["display_name"] == "Omar Other"
    for request in [*published, *comments]:
        body = request.body.decode()
        assert "Mia Member" not in body and member.email not in body
        assert member.get_absolute_url() not in body
