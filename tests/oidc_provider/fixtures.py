"""The `identity_provider` fixture: a real OpenID provider in a process of its own."""

from __future__ import annotations

import copy
import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from config.sso import oidc_apps, provider_origins, socialaccount_providers

ROOT = Path(__file__).resolve().parent.parent.parent
PORTS = range(18500, 18600)
PROVIDER_ID = "corp"
PASSWORD = "corp-password"

# The provider's people. Groups: "unverified" (email_verified false), "mfa" (amr says a
# second factor was used), "acr-gold" (acr "gold").
PEOPLE = [
    {"username": "ada", "email": "ada@corp.test", "name": "Ada Lovelace"},
    {"username": "grace", "email": "grace@corp.test", "name": "Grace Hopper"},
    {
        "username": "mallory",
        "email": "victim@corp.test",
        "name": "Mallory",
        "groups": ["unverified"],
    },
    {"username": "nameless", "email": "nameless@corp.test"},
    {"username": "sso-only", "email": "lin@corp.test", "name": "Lin Yu"},
    {"username": "root", "email": "root@corp.test", "name": "Rosa Root"},
    {"username": "boss", "email": "boss@corp.test", "name": "Bo Boss", "groups": ["mfa"]},
    {"username": "gold", "email": "gold@corp.test", "name": "Goldie", "groups": ["acr-gold"]},
]


def _hidden_fields(page: str) -> dict:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        kind = re.search(r'type="([^"]*)"', tag)
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "hidden" and name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18500-18599 for the identity provider")


@dataclass
class IdentityProvider:
    url: str
    client_id: str
    secret: str
    process: subprocess.Popen = field(repr=False)

    @property
    def server_url(self) -> str:
        return f"{self.url}/o"

    def consent(self, authorize_url: str, username: str) -> str:
        """Sign `username` in at the provider and allow the request at `authorize_url`,
        as a browser would (without one); returns where the provider sends them back."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=10)
        page.raise_for_status()
        page = browser.post(
            page.url,
            data={
                **_hidden_fields(page.text),
                "username": username,
                "password": PASSWORD,
            },
            timeout=10,
        )
        page.raise_for_status()
        assert "authorizationForm" in page.text, page.text
        answer = browser.post(
            page.url,
            data={**_hidden_fields(page.text), "allow": "Allow"},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def entry(self, **overrides) -> dict:
        """An `OIDC_PROVIDERS` entry for this provider."""
        return {
            "id": PROVIDER_ID,
            "name": "Corp",
            "server_url": self.server_url,
            "client_id": self.client_id,
            "secret": self.secret,
            **overrides,
        }


@pytest.fixture(scope="session")
def identity_provider(live_server, tmp_path_factory):
    """django-oauth-toolkit as an OpenID provider on a free port, Practica registered
    as its client with the live server's callback. Stopped at the end of the session."""
    folder = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    client_id, secret = "practica", secrets.token_urlsafe(24)
    callback = reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
    setup = {
        "client": {
            "client_id": client_id,
            "secret": secret,
            # The browser journeys come back to the live server, the other tests to
            # Django's test client.
            "redirect_uris": [f"{live_server.url}{callback}", f"http://testserver{callback}"],
        },
        "people": [{**person, "password": PASSWORD} for person in PEOPLE],
    }
    (folder / "setup.json").write_text(json.dumps(setup))
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_RSA_PRIVATE_KEY": pem,
        "IDP_DATABASE": str(folder / "test_practica_sso_idp.sqlite3"),
        "IDP_SETUP": str(folder / "setup.json"),
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.server", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"the identity provider stopped: {(folder / 'server.log').read_text()}"
            )
        try:
            if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the identity provider did not start within 60 seconds")
        time.sleep(0.2)
    yield IdentityProvider(url=url, client_id=client_id, secret=secret, process=process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def sso(settings, identity_provider):
    """Practica configured with the identity provider, as `OIDC_PROVIDERS` would do it.

    `sso(**overrides)` re-configures it, e.g. `sso(mfa="idp")`.
    """

    def configure(**overrides):
        apps = oidc_apps(json.dumps([identity_provider.entry(**overrides)]))
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(apps)
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"] = ["'self'", *provider_origins(apps)]
        settings.CONTENT_SECURITY_POLICY = policy
        return identity_provider

    configure()
    return configure
