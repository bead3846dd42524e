"""The deployment files read what the README says they read."""

import runpy

from tests.worker import PROJECT


def load_gunicorn_config(monkeypatch, **env) -> dict:
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_BIND",
        "GUNICORN_TIMEOUT",
        "PROMETHEUS_MULTIPROC_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(PROJECT / "gunicorn.conf.py"))


def test_gunicorn_takes_workers_bind_and_timeouts_from_the_environment(monkeypatch):
    config = load_gunicorn_config(
        monkeypatch, WEB_CONCURRENCY="5", GUNICORN_BIND="0.0.0.0:8123", GUNICORN_TIMEOUT="45"
    )

    assert config["workers"] == 5
    assert config["bind"] == "0.0.0.0:8123"
    assert config["timeout"] == 45
    assert config["graceful_timeout"] == 30
    assert config["accesslog"] is None


def test_gunicorn_starts_with_an_empty_metrics_folder(monkeypatch, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "histogram_4242.db").write_bytes(b"left over from the last run")
    config = load_gunicorn_config(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(folder))

    config["on_starting"](server=None)

    assert folder.is_dir()
    assert list(folder.iterdir()) == []


def test_every_process_runs_the_commands_the_tests_run():
    compose = (PROJECT / "compose.yaml").read_text()
    dockerfile = (PROJECT / "Dockerfile").read_text()
    units = {p.name: p.read_text() for p in (PROJECT / "deploy" / "systemd").iterdir()}

    web = '"gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"'
    assert web in compose
    assert f"CMD [{web}]" in dockerfile
    assert "gunicorn --config gunicorn.conf.py config.wsgi" in units["practica-web.service"]
    assert '"celery", "-A", "config", "worker"' in compose
    assert "celery -A config worker" in units["practica-worker@.service"]
    assert '"celery", "-A", "config", "beat"' in compose
    assert "celery -A config beat" in units["practica-beat.service"]
    assert "manage.py collectstatic --noinput" in dockerfile
    assert '"python", "manage.py", "migrate", "--noinput"' in compose
    assert "manage.py backup" in units["practica-backup.service"]
    assert "manage.py healthcheck" in units["practica-healthcheck.service"]
    # Longer than the five-minute task time limit: a stopping worker finishes its task.
    assert "stop_grace_period: 6m" in compose
    assert "TimeoutStopSec=360" in units["practica-worker@.service"]
