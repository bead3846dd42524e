"""`/metrics`: Prometheus text, behind a token, with what the processes measured and the
site-wide numbers read from the database at scrape time."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from communities.models import Membership
from members.models import DigestDelivery, OutboundEmail
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_DATABASE_CACHE_SECONDS = 30
    cache.delete("metrics:database")

    def get() -> dict:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    return get


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token(client, db, settings):
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_without_a_token_metrics_exist_only_in_development(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.DEBUG = False
    assert client.get("/metrics").status_code == 404

    settings.DEBUG = True
    assert client.get("/metrics").status_code == 200


def test_requests_are_measured_by_route_with_their_query_counts(client, user, scrape):
    before = scrape()
    client.force_login(user)
    client.get(reverse("home"))
    client.get(reverse("home"))

    after = scrape()
    count = "practica_http_request_duration_seconds_count"
    labels = {"route": "home", "method": "GET", "status": "200"}
    assert value(after, count, **labels) - value(before, count, **labels) == 2
    queries = "practica_http_request_queries_count"
    assert value(after, queries, route="home") - value(before, queries, route="home") == 2
    assert value(after, "practica_http_request_queries_sum", route="home") > value(
        before, "practica_http_request_queries_sum", route="home"
    )


def test_outbox_digests_and_active_members_are_read_from_the_database(scrape, db):
    community = CommunityFactory()
    for _ in range(3):
        MembershipFactory(community=community)
    MembershipFactory(community=community, status=Membership.Status.LEFT)
    member = Membership.objects.filter(status="active").first().user
    MembershipFactory(community=CommunityFactory(), user=member)  # counted once
    old = timezone.now() - timedelta(minutes=20)
    OutboundEmail.objects.create(
        to="a@practica.test",
        subject="s",
        body_text="b",
        from_email="f@practica.test",
        created_at=old,
        available_at=old,
    )
    OutboundEmail.objects.create(
        to="b@practica.test",
        subject="s",
        body_text="b",
        from_email="f@practica.test",
        status="failed",
    )
    for user in UserFactory.create_batch(2):
        DigestDelivery.objects.create(user=user, period="weekly:2026-W49", since=old, status="sent")
    DigestDelivery.objects.create(
        user=UserFactory(), period="weekly:2026-W49", since=old, status="empty"
    )
    DigestDelivery.objects.create(
        user=UserFactory(),
        period="weekly:2026-W40",
        since=old,
        status="sent",
        claimed_at=timezone.now() - timedelta(days=60),
    )

    samples = scrape()

    assert value(samples, "practica_active_members") == 3
    assert value(samples, "practica_outbox_emails", status="pending") == 1
    assert value(samples, "practica_outbox_emails", status="due") == 1
    assert value(samples, "practica_outbox_emails", status="failed") == 1
    assert value(samples, "practica_outbox_oldest_pending_seconds") >= 20 * 60
    assert value(samples, "practica_digests", period="weekly:2026-W49", status="sent") == 2
    assert value(samples, "practica_digests", period="weekly:2026-W49", status="empty") == 1
    # Periods long gone are not read at every scrape.
    assert value(samples, "practica_digests", period="weekly:2026-W40", status="sent") == 0


def test_database_numbers_are_shared_through_the_cache_between_scrapes(
    scrape, db, django_assert_max_num_queries
):
    scrape()
    MembershipFactory()
    with django_assert_max_num_queries(0):
        samples = scrape()
    assert value(samples, "practica_active_members") == 0

    cache.delete("metrics:database")
    assert value(scrape(), "practica_active_members") == 1


def test_tasks_are_measured_with_their_outcome(scrape, db):
    from members.tasks import sweep_outbox

    before = scrape()
    sweep_outbox.delay()

    after = scrape()
    name = "practica_celery_task_duration_seconds_count"
    labels = {"task": "members.sweep_outbox", "outcome": "success"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


@shared_task(name="tests.ops.always_fails")
def always_fails() -> None:
    raise RuntimeError("this task fails on purpose")


@pytest.mark.parametrize("propagates", [False, True], ids=["as-in-a-worker", "eager"])
def test_failed_tasks_are_counted(scrape, db, propagates):
    before = scrape()
    if propagates:
        with pytest.raises(RuntimeError):
            always_fails.delay()
    else:
        assert always_fails.apply(throw=False).failed()

    after = scrape()
    failures = "practica_celery_task_failures_total"
    assert (
        value(after, failures, task="tests.ops.always_fails")
        - value(before, failures, task="tests.ops.always_fails")
        == 1
    )
    duration = "practica_celery_task_duration_seconds_count"
    labels = {"task": "tests.ops.always_fails", "outcome": "failure"}
    assert value(after, duration, **labels) - value(before, duration, **labels) == 1
