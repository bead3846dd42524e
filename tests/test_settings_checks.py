import json
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


def test_object_storage_is_configured_from_the_environment():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; import json; "
        "print(json.dumps(settings.STORAGES['default']))",
        **production_env(
            STORAGE_BACKEND="s3",
            AWS_STORAGE_BUCKET_NAME="uploads",
            AWS_S3_ENDPOINT_URL="https://objects.example.org",
            AWS_S3_REGION_NAME="eu-central-1",
            AWS_S3_ADDRESSING_STYLE="path",
            AWS_LOCATION="practica",
        ),
    )

    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "uploads"
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["region_name"] == "eu-central-1"
    assert options["addressing_style"] == "path"
    assert options["location"] == "practica"
    # Private objects, signed addresses, nothing overwritten.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_object_storage_needs_a_bucket_and_a_known_addressing_style():
    without_bucket = manage("check", **production_env(STORAGE_BACKEND="s3"))
    odd_style = manage(
        "check",
        **production_env(
            STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="uploads", AWS_S3_ADDRESSING_STYLE="dns"
        ),
    )

    assert without_bucket.returncode != 0
    assert "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME" in without_bucket.stderr
    assert odd_style.returncode != 0
    assert "AWS_S3_ADDRESSING_STYLE is 'dns'" in odd_style.stderr


def test_object_storage_without_django_storages_fails_clearly_at_start_up():
    # As on an installation without the package: importing it fails.
    code = (
        "import sys; sys.modules['storages'] = None; import django; "
        "from django.conf import settings; settings.STORAGES"
    )
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **production_env(STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="uploads"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
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
