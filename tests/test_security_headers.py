from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import KNOWN_PASSWORD, CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_security_headers(response) -> None:
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_html_page_sends_the_security_headers(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert_security_headers(response)


def test_a_missing_page_sends_the_security_headers(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert_security_headers(response)


def test_a_failed_sign_in_sends_the_security_headers(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert_security_headers(response)


def test_a_secure_request_gets_strict_transport_security(client):
    response = client.get(reverse("home"), secure=True)

    hsts = response.headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    assert "includeSubDomains" in hsts


def test_https_behind_the_proxy_counts_as_secure(client):
    response = client.get(reverse("home"), headers={"x-forwarded-proto": "https"})

    assert "Strict-Transport-Security" in response.headers


def test_a_plain_http_response_carries_no_hsts(client):
    response = client.get(reverse("home"))

    assert "Strict-Transport-Security" not in response.headers


def test_session_and_csrf_cookies_are_secure(client, user):
    login_page = client.get(reverse("account_login"), secure=True)
    csrf_cookie = login_page.cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["samesite"] == "Lax"

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": KNOWN_PASSWORD},
        secure=True,
    )

    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"


class InlineCodeFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy would block."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in attributes:
            self.problems.append(f"style= on <{tag}>")
        self.problems.extend(f"{name}= on <{tag}>" for name in attributes if name.startswith("on"))


def inline_code_in(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ],
)
def test_pages_for_visitors_use_no_inline_scripts_or_styles(client, url):
    response = client.get(url)

    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("text/html")
    assert inline_code_in(response.content.decode()) == []


@pytest.mark.parametrize("url_name", ["home", "members:profile_edit", "account_email"])
def test_pages_for_members_use_no_inline_scripts_or_styles(client, user, url_name):
    client.force_login(user)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert inline_code_in(response.content.decode()) == []


def test_a_member_profile_uses_no_inline_scripts_or_styles(client, user, other_user):
    shared = CommunityFactory()  # profiles are for people who share a community
    MembershipFactory(community=shared, user=user)
    MembershipFactory(community=shared, user=other_user)
    client.force_login(user)

    response = client.get(other_user.get_absolute_url())

    assert response.status_code == 200
    assert inline_code_in(response.content.decode()) == []
