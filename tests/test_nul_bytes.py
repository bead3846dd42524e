"""A NUL character in a path, a query or a form value is a 400 page on every URL
pattern, never an unhandled database error (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_access_table import ROUTES, TABLE, build_world, url_for

pytestmark = pytest.mark.django_db

REFUSED = (400, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/tags/%00/",
        "/invitations/%00/",
        "/similar/?community=%00&title=abcd",
        "/search/?q=%00",
    ],
)
def test_the_reported_nul_requests_are_refused(client, url):
    assert client.get(url).status_code in REFUSED


def test_a_nul_in_a_community_tag_path_is_refused(client):
    world = build_world()
    slug = world.communities["public"].slug

    assert client.get(f"/c/{slug}/tags/%00/").status_code in REFUSED


def _with_nul_in_path(name: str, params: list[str], world, url: str) -> list[str]:
    """The URL with each string parameter replaced by one holding a NUL."""
    urls = []
    for param in params:
        if param in ("token", "tag", "kind"):
            kwargs = dict(_kwargs(name, params, world))
            kwargs[param] = "a\x00b"
            urls.append(reverse(name, kwargs=kwargs))
    return urls


def _kwargs(name, params, world):
    from django.urls import resolve

    return resolve(url_for(name, params, world, "members")).kwargs


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_every_url_pattern_refuses_nul_in_path_query_and_form(client, role):
    world = build_world()
    if role != "anonymous":
        client.force_login(world.users[role])
    failures = []
    for name, params in ROUTES:
        url = url_for(name, params, world, "members")
        entry = TABLE[name]
        data = {key: f"{value}\x00" for key, value in (entry.data or {"q": "x"}).items()}
        attempts = [
            ("GET", f"{url}?q=%00", None),
            ("GET", f"{url}?community=%00&title=abcd&tag=%00", None),
            ("POST", url, data),
            *(("GET", nul_url, None) for nul_url in _with_nul_in_path(name, params, world, url)),
        ]
        for method, target, body in attempts:
            response = client.post(target, body) if method == "POST" else client.get(target)
            if response.status_code not in REFUSED:
                failures.append(f"{method} {target} answered {response.status_code}")
    assert not failures, "\n".join(failures)
