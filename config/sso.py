"""Single sign-on configuration: OpenID Connect providers read from the environment.

`OIDC_PROVIDERS` is a JSON list with one object per identity provider (see
`.env.example` and the README's "Single sign-on" section). It becomes allauth's
`SOCIALACCOUNT_PROVIDERS["openid_connect"]` apps; with no providers the site has no
single sign-on buttons and behaves as before.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MFA_POLICIES = ("enforce", "idp")
TOKEN_AUTH_METHODS = ("client_secret_post", "client_secret_basic")
KNOWN_KEYS = {
    "id",
    "name",
    "server_url",
    "client_id",
    "secret",
    "secret_env",
    "verified_email",
    "email_authentication",
    "mfa",
    "mfa_acr_values",
    "token_auth_method",
    "scope",
}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _fail(index: int, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"OIDC_PROVIDERS[{index}]: {message}")


def _app(index: int, entry: object, environ: Mapping[str, str]) -> dict:
    if not isinstance(entry, dict):
        raise _fail(index, "each provider is a JSON object")
    unknown = set(entry) - KNOWN_KEYS
    if unknown:
        raise _fail(index, f"unknown keys {sorted(unknown)}")
    for key in ("id", "name", "server_url", "client_id"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise _fail(index, f"{key!r} is required")
    provider_id = entry["id"]
    if not PROVIDER_ID.match(provider_id):
        raise _fail(index, "'id' is lowercase letters, digits, '-' and '_' (it is part of URLs)")
    server_url = entry["server_url"].rstrip("/")
    parts = urlsplit(server_url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        raise _fail(index, "'server_url' must be https:// (http:// only on this machine)")
    if "secret_env" in entry:
        secret = environ.get(entry["secret_env"], "")
        if not secret:
            raise _fail(index, f"the variable {entry['secret_env']} named by 'secret_env' is empty")
    else:
        secret = entry.get("secret", "")
    if not isinstance(secret, str) or not secret:
        raise _fail(index, "'secret' (or 'secret_env') is required")
    verified_email = entry.get("verified_email", False)
    if not isinstance(verified_email, bool) and not (
        isinstance(verified_email, list) and all(isinstance(d, str) for d in verified_email)
    ):
        raise _fail(index, "'verified_email' is true, false or a list of domains")
    mfa = entry.get("mfa", "enforce")
    if mfa not in MFA_POLICIES:
        raise _fail(index, f"'mfa' is one of {MFA_POLICIES}")
    acr_values = entry.get("mfa_acr_values", [])
    if not isinstance(acr_values, list) or not all(isinstance(v, str) for v in acr_values):
        raise _fail(index, "'mfa_acr_values' is a list of strings")
    app_settings = {
        "server_url": server_url,
        # Addresses the provider vouches for without an `email_verified` claim.
        "verified_email": (
            [d.lower() for d in verified_email]
            if isinstance(verified_email, list)
            else verified_email
        ),
        # Sign an existing member in (and connect the account) by a verified address.
        "email_authentication": bool(entry.get("email_authentication", True)),
        "mfa": mfa,
        "mfa_acr_values": acr_values,
        "oauth_pkce_enabled": True,
    }
    if "token_auth_method" in entry:
        if entry["token_auth_method"] not in TOKEN_AUTH_METHODS:
            raise _fail(index, f"'token_auth_method' is one of {TOKEN_AUTH_METHODS}")
        app_settings["token_auth_method"] = entry["token_auth_method"]
    if "scope" in entry:
        scope = entry["scope"]
        if not isinstance(scope, list) or "openid" not in scope:
            raise _fail(index, "'scope' is a list of scopes that includes \"openid\"")
        app_settings["scope"] = scope
    return {
        "provider_id": provider_id,
        "name": entry["name"],
        "client_id": entry["client_id"],
        "secret": secret,
        "settings": app_settings,
    }


def oidc_apps(raw: str, environ: Mapping[str, str] = os.environ) -> list[dict]:
    """allauth app definitions for the providers in `raw` (the `OIDC_PROVIDERS` JSON)."""
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not valid JSON: {error}") from error
    if not isinstance(entries, list):
        raise ImproperlyConfigured("OIDC_PROVIDERS is a JSON list of provider objects")
    apps = [_app(index, entry, environ) for index, entry in enumerate(entries)]
    ids = [app["provider_id"] for app in apps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS: duplicate ids {duplicates}")
    return apps


def socialaccount_providers(apps: list[dict]) -> dict:
    """`SOCIALACCOUNT_PROVIDERS`: allauth's OpenID Connect provider, with Practica's
    nonce check (members/sso.py), serving `apps`."""
    return {
        "openid_connect": {
            "provider_class": "members.sso.OpenIDConnectProvider",
            "APPS": apps,
        }
    }


def sso_only_domains(values: list[str]) -> frozenset[str]:
    return frozenset(v.strip().lower().lstrip("@") for v in values if v.strip())


def provider_origins(apps: list[dict]) -> list[str]:
    """The providers' origins, which the Content Security Policy's `form-action` must
    allow: the "Continue" form's answer redirects the browser to the provider."""
    origins = []
    for app in apps:
        parts = urlsplit(app["settings"]["server_url"])
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins
