"""The time-zone field: the browser's own zone offered first, a searchable list, by
mouse and by keyboard, in both languages, with no axe violations."""

import pytest
from playwright.sync_api import expect

from tests.browser.people import signed_in_context
from tests.browser.test_accessibility import axe_violations
from tests.factories import UserFactory

PROFILE = "/settings/profile/"


@pytest.fixture
def member(transactional_db):
    return UserFactory(display_name="Mia Member", time_zone="UTC")


def open_profile(browser, live_server, user, **options):
    context = signed_in_context(browser, live_server, user, timezone_id="Europe/Berlin", **options)
    page = context.new_page()
    page.goto(live_server.url + PROFILE)
    return context, page


@pytest.mark.browser
def test_one_click_sets_the_browsers_own_time_zone(browser, live_server, member):
    # With the site's Content Security Policy in force: our own script, nothing inline.
    context, page = open_profile(browser, live_server, member)
    suggestion = page.get_by_role("button", name="Use my current time zone: Europe/Berlin")
    expect(suggestion).to_be_visible()
    field = page.get_by_label("Time zone")
    expect(field).to_have_value("UTC")

    suggestion.click()

    expect(field).to_have_value("Europe/Berlin")
    expect(field).to_be_focused()
    expect(suggestion).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Save your profile")).to_have_count(1)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    member.refresh_from_db()
    assert str(member.time_zone) == "Europe/Berlin"
    # Now that it is the member's zone, there is nothing to offer.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.locator("[data-time-zone-detect]")).to_be_hidden()
    context.close()


@pytest.mark.browser
def test_by_keyboard_in_german_the_zone_is_offered_typed_and_checked(browser, live_server, member):
    # The CSP is lifted in this context only so that axe-core can be added to the page.
    member.language = "de"
    member.save(update_fields=["language"])
    context, page = open_profile(browser, live_server, member, locale="de-DE", bypass_csp=True)
    suggestion = page.get_by_role("button", name="Meine aktuelle Zeitzone verwenden: Europe/Berlin")
    field = page.get_by_label("Zeitzone")
    expect(suggestion).to_be_visible()
    assert axe_violations(page) == []
    # The suggestion comes just before the field: Shift+Tab from the field, Enter.
    field.focus()
    page.keyboard.press("Shift+Tab")
    expect(suggestion).to_be_focused()
    page.keyboard.press("Enter")
    expect(field).to_have_value("Europe/Berlin")
    expect(field).to_be_focused()

    # Typed by hand: a zone not in the list is refused, and what was typed stays.
    field.fill("Europe/Berln")
    page.keyboard.press("Enter")
    expect(page.get_by_text("„Europe/Berln“ ist keine uns bekannte Zeitzone")).to_be_visible()
    expect(page.get_by_label("Zeitzone")).to_have_value("Europe/Berln")
    expect(page.get_by_label("Zeitzone")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    member.refresh_from_db()
    assert str(member.time_zone) == "UTC"

    # Lower case and a space for the underscore are understood.
    page.get_by_label("Zeitzone").fill("america/new york")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ihr Profil wurde gespeichert.")).to_be_visible()
    member.refresh_from_db()
    assert str(member.time_zone) == "America/New_York"
    context.close()
