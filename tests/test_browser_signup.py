import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from members.models import User
from tests.conftest import ARTIFACTS

PASSWORD = "a-fresh-and-long-passphrase"


def snapshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"signup-{name}.png"), full_page=True)


@pytest.mark.browser
def test_a_visitor_signs_up_confirms_the_email_signs_out_and_back_in(live_server, page):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Learn faster")
    snapshot(page, "1-home")

    page.get_by_role("link", name="Join Practica").first.click()
    page.get_by_label("Display name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@practica.test")
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    snapshot(page, "2-form")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    snapshot(page, "3-check-your-email")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    snapshot(page, "4-confirm")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Grace Hopper")
    snapshot(page, "5-signed-in")
    assert User.objects.get(email="grace@practica.test").emailaddress_set.get().verified

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    snapshot(page, "6-signed-out")

    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("grace@practica.test")
    page.get_by_label("Password").fill(PASSWORD)
    snapshot(page, "7-sign-in")
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Grace Hopper")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
