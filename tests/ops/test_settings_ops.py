"""Operational settings: rotating the secret key, Sentry only when configured."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from tests.worker import PROJECT

OLD_KEY = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"
NEW_KEY = "new-secret-key-9876543210-zyxwvutsrqponmlkjihgfedcba-9876543210"


def signed_in(client) -> bool:
    return client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_rotating_the_secret_key_with_the_old_one_as_fallback_keeps_members_signed_in(
    client, user, settings
):
    settings.SECRET_KEY = OLD_KEY
    client.force_login(user)
    assert signed_in(client)

    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert signed_in(client)

    # The session was re-signed with the new key: the old one can now go.
    settings.SECRET_KEY_FALLBACKS = []
    assert signed_in(client)


def test_without_the_fallback_a_new_secret_key_signs_everyone_out(client, user, settings):
    settings.SECRET_KEY = OLD_KEY
    client.force_login(user)

    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []
    assert not signed_in(client)


def test_secret_key_fallbacks_come_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        ],
        cwd=PROJECT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY_FALLBACKS": f"{OLD_KEY},another-old-key",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == str([OLD_KEY, "another-old-key"]), result.stderr


class Collector(BaseHTTPRequestHandler):
    """Stands in for the Sentry server on loopback: keeps every envelope it receives."""

    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


RAISE_IN_A_VIEW = """
import os
import sentry_sdk
from django.test import Client
client = Client(raise_request_exception=False)
response = client.get("/boom/", HTTP_COOKIE=f"sessionid={os.environ['PROBE_SESSION']}")
assert response.status_code == 500, response.status_code
sentry_sdk.flush(timeout=10)
"""


@pytest.mark.parametrize("configured", [True, False])
def test_unhandled_errors_go_to_sentry_only_when_a_dsn_is_set(configured):
    Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/1" if configured else ""
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", RAISE_IN_A_VIEW],
            cwd=PROJECT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.ops.sentry_settings",
                "SENTRY_DSN": dsn,
                "PROBE_SESSION": "s3cret-session",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    if not configured:
        assert Collector.received == []
        return
    events = [
        json.loads(line)
        for envelope in Collector.received
        for line in envelope.decode().splitlines()
        if '"exception"' in line
    ]
    assert len(events) == 1
    [exception] = events[0]["exception"]["values"]
    assert exception["type"] == "ZeroDivisionError"
    # The session cookie (given to the script through its environment, which Sentry
    # does not send) stays out of the event.
    assert "s3cret-session" not in json.dumps(events[0])
