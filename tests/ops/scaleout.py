"""Real gunicorn servers, a client that talks to them like a browser behind a proxy,
and members written in bulk, for the scale-out tests and the digest timing script."""

from __future__ import annotations

import html
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from communities.models import Community, Membership
from members.models import User
from tests.worker import PROJECT, free_port, wait_for

GUNICORN = PROJECT / ".venv" / "bin" / "gunicorn"
CELERY = PROJECT / ".venv" / "bin" / "celery"
SITE_HOST = "practica.test"


def database_url() -> str:
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def process_environment(redis_url: str, **extra: str) -> dict[str, str]:
    """What a production process gets: its own settings from the environment."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": f"{SITE_HOST},127.0.0.1",
        "SITE_URL": f"https://{SITE_HOST}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1",
        "EMAIL_URL": "consolemail://",
        "LOG_FORMAT": "json",
        **extra,
    }


class WebServer:
    """`gunicorn -c gunicorn.conf.py config.wsgi` on a free loopback port."""

    def __init__(self, *, redis_url: str, log: Path, workers: int = 1):
        self.port = free_port()
        self.log = log
        self.env = process_environment(
            redis_url,
            DJANGO_SETTINGS_MODULE="tests.ops.web_settings",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(workers),
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        with self.log.open("a") as log_file:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "config.wsgi"],
                cwd=PROJECT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answers, what=f"gunicorn on port {self.port}", logs=[self.log])
        return self

    def answers(self) -> bool:
        if self.process.poll() is not None:
            return True  # died: let the first request fail and show the log
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:  # refused, reset or timed out while the worker boots
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")

    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert match, "no CSRF token in the page"
        return match.group(1)


class Browser:
    """One person's browser on https://practica.test, reaching whichever web server it is
    given: it keeps cookies (secure ones too: the proxy terminates HTTPS) and sends the
    headers a proxy would add."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirects)

    def request(self, server: WebServer, path: str, data: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"{server.url}{path}", data=body)
        request.add_header("Host", SITE_HOST)
        request.add_header("X-Forwarded-Proto", "https")
        if data is not None:
            request.add_header("Origin", f"https://{SITE_HOST}")
            request.add_header("Referer", f"https://{SITE_HOST}{path}")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with self.opener.open(request, timeout=30) as raw:
                response = Response(raw.status, raw.headers, raw.read())
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.headers, error.read())
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, server: WebServer, path: str) -> Response:
        return self.request(server, path)

    def post(self, server: WebServer, path: str, data: dict) -> Response:
        return self.request(server, path, data)


def page_text(response: Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.text))


# --- Members in bulk ---------------------------------------------------------------------

PASSWORD_HASH_CACHE: dict[str, str] = {}


def bulk_readers(community: Community, count: int, *, cadence: str = "daily") -> list[int]:
    """`count` verified active members of `community` who want a digest, written with
    bulk inserts (the services that create members have their own tests). Returns ids."""
    if "hash" not in PASSWORD_HASH_CACHE:
        PASSWORD_HASH_CACHE["hash"] = make_password(None)  # unusable: they never sign in
    joined = timezone.now() - timezone.timedelta(days=60)
    tag = f"{community.pk}-{User.objects.count()}"
    users = User.objects.bulk_create(
        [
            User(
                email=f"reader{n}-{tag}@scale.test",
                display_name=f"Reader {n}",
                password=PASSWORD_HASH_CACHE["hash"],
                digest_cadence=cadence,
                time_zone="UTC",
                is_active=True,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                community=community,
                user=u,
                role=Membership.Role.MEMBER,
                status=Membership.Status.ACTIVE,
                joined_at=joined,
                accepted_charter_number=community.required_charter_number,
                onboarding_completed_at=joined,
            )
            for u in users
        ],
        batch_size=2000,
    )
    return [u.pk for u in users]
