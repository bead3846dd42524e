"""Single sign-on, driven in chromium against a real OpenID provider in its own process."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from playwright.sync_api import Page, expect

from members.models import User
from tests.browser.people import snapshot
from tests.factories import KNOWN_PASSWORD, StaffFactory, UserFactory
from tests.oidc_provider.fixtures import PASSWORD

pytestmark = pytest.mark.browser


def sign_in_through_corp(page: Page, live_server, username: str, *, journey: str) -> None:
    """Practica's sign-in page → the Corp button → Corp's login → consent → back."""
    page.goto(f"{live_server.url}/accounts/login/")
    snapshot(page, journey, "1-sign-in")
    page.get_by_role("link", name="Continue with Corp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Continue with Corp")
    snapshot(page, journey, "2-continue")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corp identity")
    page.get_by_label("Corp username").fill(username)
    page.get_by_label("Corp password").fill(PASSWORD)
    snapshot(page, journey, "3-provider-login")
    page.get_by_role("button", name="Log in to Corp").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Share your Corp identity")
    snapshot(page, journey, "4-consent")
    page.get_by_role("button", name="Allow").click()


def test_a_new_person_signs_up_through_the_provider_with_a_verified_address(live_server, page, sso):
    sign_in_through_corp(page, live_server, "ada", journey="sso-signup")

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Ada Lovelace")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    snapshot(page, "sso-signup", "5-signed-in")
    member = User.objects.get(email="ada@corp.test")
    assert member.display_name == "Ada Lovelace"
    assert not member.has_usable_password()
    assert EmailAddress.objects.get(user=member).verified
    assert SocialAccount.objects.get(user=member).provider == "corp"
    # The provider vouched for the address: no verification email from us.
    assert mail.outbox == []


def test_a_member_with_that_verified_address_is_signed_in_and_the_provider_connected(
    live_server, page, sso
):
    grace = UserFactory(email="grace@corp.test", display_name="Grace H.")

    sign_in_through_corp(page, live_server, "grace", journey="sso-link")

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Grace H.")
    assert User.objects.filter(email__iendswith="grace@corp.test").count() == 1
    assert SocialAccount.objects.get(provider="corp").user == grace
    grace.refresh_from_db()
    assert grace.check_password(KNOWN_PASSWORD)

    page.goto(f"{live_server.url}/accounts/3rdparty/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")
    expect(page.get_by_role("group", name="Connected accounts")).to_contain_text("Corp")
    snapshot(page, "sso-link", "6-connections")


def test_a_tampered_state_is_refused_and_the_genuine_answer_still_signs_in(live_server, page, sso):
    callbacks = []

    def hold_back(route):
        """Keep the provider's answer to the consent (a redirect back to Practica)."""
        if route.request.method != "POST" or urlsplit(route.request.url).path != "/o/authorize/":
            return route.continue_()
        answer = route.fetch(max_redirects=0)
        callbacks.append(answer.headers["location"])
        return route.fulfill(status=200, content_type="text/html", body="<h1>Held back</h1>")

    page.route("**/o/authorize/**", hold_back)
    sign_in_through_corp(page, live_server, "ada", journey="sso-state")
    expect(page.get_by_role("heading", level=1)).to_have_text("Held back")
    page.unroute("**/o/authorize/**")
    [genuine] = callbacks
    assert "state=" in genuine and "code=" in genuine
    state = genuine.split("state=")[1].split("&")[0]

    page.goto(genuine.replace(f"state={state}", f"state={state[::-1]}x"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on failed")
    snapshot(page, "sso-state", "5-refused")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert not User.objects.filter(email="ada@corp.test").exists()

    page.goto(genuine)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Ada Lovelace")


def test_an_sso_only_address_cannot_use_its_password_but_signs_in_with_the_provider(
    live_server, page, sso, settings
):
    settings.SSO_ONLY_DOMAINS = frozenset({"corp.test"})
    lin = UserFactory(email="lin@corp.test", display_name="Lin Yu")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("lin@corp.test")
    page.get_by_label("Password").fill(KNOWN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Addresses at corp.test sign in with single sign-on"
    )
    expect(page.get_by_role("alert")).to_contain_text("“Continue with Corp”")
    snapshot(page, "sso-only", "1-password-refused")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    sign_in_through_corp(page, live_server, "sso-only", journey="sso-only")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Lin Yu")
    assert SocialAccount.objects.get(provider="corp").user == lin


def test_staff_without_a_second_factor_find_the_admin_closed_and_set_one_up_themselves(
    live_server, page, sso
):
    StaffFactory(email="root@corp.test", display_name="Rosa Root")

    sign_in_through_corp(page, live_server, "root", journey="sso-staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Rosa Root")

    page.goto(f"{live_server.url}/admin/")
    # The admin is closed and sends them to the two-factor settings page, not into setup.
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/")
    expect(page.get_by_text("Your staff account has no second factor")).to_be_visible()
    expect(page.get_by_role("heading", name="Run the site")).to_have_count(0)
    snapshot(page, "sso-staff", "5-admin-closed")
    page.get_by_role("link", name="Activate").click()
    # Setting up an authenticator app asks for the password first (allauth's rule).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=.*totp.*activate"))
    snapshot(page, "sso-staff", "6-asked-for-the-password")


def test_staff_open_the_admin_when_a_delegating_provider_vouches_for_a_second_factor(
    live_server, page, sso
):
    sso(mfa="idp")
    StaffFactory(email="boss@corp.test", display_name="Bo Boss")

    sign_in_through_corp(page, live_server, "boss", journey="sso-staff-idp-mfa")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Bo Boss")

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Run the site")).to_be_visible()
    snapshot(page, "sso-staff-idp-mfa", "5-admin")


def test_without_a_name_from_the_provider_the_person_chooses_a_display_name(live_server, page, sso):
    sign_in_through_corp(page, live_server, "nameless", journey="sso-signup-form")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    expect(page.get_by_text("You signed in with Corp")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("nameless@corp.test")
    page.get_by_label("Display name").fill("Nell Nameless")
    snapshot(page, "sso-signup-form", "5-form")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Nell Nameless")
    member = User.objects.get(email="nameless@corp.test")
    assert EmailAddress.objects.get(user=member).verified
