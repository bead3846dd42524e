import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROJECT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py with the real settings in a clean environment made of `env`.

    The test settings put their own values in this process's environment, so they are
    not passed on. Variables given here win over a `.env` file in the checkout.
    """
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    database = settings.DATABASES["default"]
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "practica.example.org",
        "SITE_URL": "https://practica.example.org",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
        **overrides,
    }


def test_deployment_checks_pass_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_start_up_fails_clearly_without_a_secret_key_when_debug_is_off():
    result = manage("check", **production_env(SECRET_KEY=""))

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_development_checkout_starts_without_a_secret_key_when_debug_is_on():
    result = manage("check", **production_env(DEBUG="true", SECRET_KEY=""))

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_database_other_than_postgresql_is_refused():
    result = manage("check", **production_env(DATABASE_URL="sqlite:///practica.sqlite3"))

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_object_storage_without_django_storages_fails_clearly_at_start_up():
    # django-storages is not installed: asking for S3 says what to install.
    result = manage(
        "check", **production_env(STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="uploads")
    )

    assert result.returncode != 0
    assert "STORAGE_BACKEND=s3 needs the django-storages and boto3 packages" in result.stderr


def test_an_unknown_storage_backend_is_refused():
    result = manage("check", **production_env(STORAGE_BACKEND="ftp"))

    assert result.returncode != 0
    assert "STORAGE_BACKEND is 'ftp'" in result.stderr


def test_bandit_finds_nothing_untriaged_in_the_project_code():
    # make lint runs the same command: a finding is fixed or marked `# nosec <id>`.
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("bandit")),
            "-c",
            "pyproject.toml",
            "-r",
            ".",
            "-f",
            "txt",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
    assert "No issues identified." in result.stdout
    # The project's own code is scanned, not only the scripts.
    assert "Total lines of code: " in result.stdout
    scanned = int(result.stdout.split("Total lines of code: ")[1].split()[0])
    assert scanned > 10_000
