"""`/healthz`, `/readyz` and `manage.py healthcheck`: what a load balancer and a monitor see."""

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config import health
from config.celery import app as celery_app
from members.models import OutboundEmail
from tests.worker import PROJECT, free_port


@pytest.fixture
def beat_ran(db):
    """Beat ran the outbox sweep a minute ago."""
    schedule = CrontabSchedule.objects.create(minute="*")
    return PeriodicTask.objects.create(
        name="sweep",
        task="members.sweep_outbox",
        crontab=schedule,
        last_run_at=timezone.now() - timedelta(minutes=1),
    )


def test_healthz_answers_without_touching_the_database(client):
    # No `db` fixture: any query here would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"process": {"status": "ok", "duration_ms": 0.0}},
    }
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_readyz_reports_every_check_with_its_timing(client, beat_ran):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache", "migrations", "outbox", "beat"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["duration_ms"] >= 0
    assert body["checks"]["outbox"]["backlog"] == 0
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_light(client, beat_ran, django_assert_max_num_queries):
    client.get("/readyz")  # the migration graph is read once, then remembered
    with django_assert_max_num_queries(4):
        assert client.get("/readyz").status_code == 200


def test_probes_skip_the_https_redirect_and_the_host_check(client, settings, beat_ran):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/", HTTP_HOST="testserver").status_code == 301
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    # Everything else still checks the host.
    assert client.get("/", HTTP_HOST="10.1.2.3:8000", secure=True).status_code == 400


def test_a_backlog_in_the_outbox_is_a_warning_not_a_reason_to_leave_the_balancer(
    client, beat_ran, settings
):
    settings.HEALTH_OUTBOX_MAX_AGE = 600
    OutboundEmail.objects.create(
        to="member@practica.test",
        subject="Stuck",
        body_text="…",
        from_email="hello@practica.test",
        created_at=timezone.now() - timedelta(hours=1),
        available_at=timezone.now() - timedelta(hours=1),
    )

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warn"
    assert body["checks"]["outbox"]["status"] == "warn"
    assert body["checks"]["outbox"]["backlog"] == 1
    assert body["checks"]["outbox"]["oldest_age_seconds"] >= 3600


def test_beat_that_has_not_run_lately_is_a_warning(client, beat_ran):
    PeriodicTask.objects.filter(pk=beat_ran.pk).update(
        last_run_at=timezone.now() - timedelta(hours=2)
    )

    body = client.get("/readyz").json()

    assert body["status"] == "warn"
    assert body["checks"]["beat"]["status"] == "warn"
    assert body["checks"]["beat"]["last_run_age_seconds"] >= 7200


def test_an_unreachable_broker_makes_the_process_not_ready(client, beat_ran, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.content.decode()


def test_an_unreachable_cache_makes_the_process_not_ready(client, beat_ran, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "fail"


def test_an_unapplied_migration_makes_the_process_not_ready(beat_ran, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied_at", None)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'sessions'")

    report = health.readiness()

    check = {c.name: c for c in report.checks}["migrations"]
    assert check.status == "fail"
    assert check.details == {"pending": 1}
    assert not report.ready


def run_healthcheck(*args, **env):
    import os

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_prints_the_report_and_exits_2_when_the_database_is_down():
    port = free_port()
    result = run_healthcheck(
        DATABASE_URL=f"postgres://practica:secret-password@127.0.0.1:{port}/practica"
    )

    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["checks"]["database"]["status"] == "fail"
    assert report["checks"]["outbox"] == {
        "status": "fail",
        "duration_ms": 0.0,
        "error": "database unavailable",
    }
    assert "secret-password" not in result.stdout + result.stderr


def test_the_command_for_liveness_exits_0():
    result = run_healthcheck("--liveness")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"
