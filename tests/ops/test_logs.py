"""One structured line per request and per task, with a request id that follows the work."""

import json
import urllib.request

import pytest
from django.urls import reverse

from members.models import OutboundEmail
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.worker import Worker, forget_queue, free_port, new_queue, publishing_to, wait_for


def test_each_request_writes_one_json_line_with_route_status_duration_and_user(
    client, user, json_logs
):
    client.force_login(user)

    response = client.get(reverse("home"), HTTP_X_REQUEST_ID="req-1234")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-1234"
    [line] = json_logs.events("request")
    assert line["method"] == "GET"
    assert line["route"] == "home"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["request_id"] == "req-1234"
    assert line["duration_ms"] > 0
    assert line["queries"] >= 1
    assert line["level"] == "info"
    assert "timestamp" in line


def test_a_request_without_an_id_gets_one_and_anonymous_requests_have_no_user(
    client, db, json_logs
):
    response = client.get(reverse("account_login"))

    [line] = json_logs.events("request")
    assert len(response["X-Request-ID"]) == 32
    assert line["request_id"] == response["X-Request-ID"]
    assert line["route"] == "account_login"
    assert line["user_id"] is None


def test_a_request_id_that_could_forge_log_lines_is_replaced(client, db, json_logs):
    response = client.get("/healthz-nope", HTTP_X_REQUEST_ID='x"\n{"event": "forged"}')

    assert response.status_code == 404
    assert response["X-Request-ID"] != 'x"\n{"event": "forged"}'
    [line] = json_logs.events("request")
    assert line["route"] == "unmatched"
    assert line["status"] == 404
    assert not json_logs.events("forged")


@pytest.mark.urls("tests.ops.urls")
def test_lines_logged_while_serving_a_request_carry_its_id(client, db, json_logs):
    client.get("/logged/", HTTP_X_REQUEST_ID="abc-42")

    [inner] = json_logs.events("inside the view")
    assert inner["request_id"] == "abc-42"
    assert inner["logger"] == "practica.test"
    assert inner["level"] == "warning"


@pytest.mark.worker
def test_the_request_id_travels_into_the_tasks_the_request_enqueues(
    transactional_db, client, tmp_path
):
    queue = new_queue()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    metrics_port = free_port()
    worker = Worker(
        queue=queue,
        outbox_dir=outbox,
        log=tmp_path / "worker.log",
        env={"LOG_FORMAT": "json", "CELERY_METRICS_PORT": str(metrics_port)},
    ).start()
    try:
        community = CommunityFactory(on_request=True)
        facilitator = MembershipFactory(community=community, facilitator=True).user
        client.force_login(UserFactory())
        with publishing_to(queue):
            response = client.post(
                reverse("communities:join", args=[community.slug]),
                {"accept_rules": "on", "accepted_rules": "on"},
                HTTP_X_REQUEST_ID="join-request-77",
            )
            assert response.status_code == 302
            wait_for(
                lambda: OutboundEmail.objects.filter(to=facilitator.email, status="sent").exists(),
                what="the facilitator's email",
                logs=[worker.log],
            )

            def task_line():
                for raw in worker.log.read_text().splitlines():
                    if raw.startswith("{"):
                        line = json.loads(raw)
                        if line.get("event") == "task" and line.get("outcome") == "success":
                            return line
                return None

            line = wait_for(task_line, what="the task's log line", logs=[worker.log])
            # The worker serves its own metrics when CELERY_METRICS_PORT is set.
            url = f"http://127.0.0.1:{metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=10) as response:
                worker_metrics = response.read().decode()
    finally:
        worker.stop()
        forget_queue(queue)

    assert line["task_name"] == "members.deliver_email"
    assert line["request_id"] == "join-request-77"
    assert line["retries"] == 0
    assert line["duration_ms"] > 0
    assert line["task_id"]
    assert (
        'practica_celery_task_duration_seconds_count{outcome="success",'
        'task="members.deliver_email"} 1.0' in worker_metrics
    )
    assert "practica_outbox_delivery_latency_seconds_count 1.0" in worker_metrics
