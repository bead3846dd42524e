"""The profile's time-zone field without JavaScript: a text input over a list of zones,
common ones first, checked against the zones Python knows."""

import re

import pytest
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/settings/profile/"


@pytest.fixture
def member(client):
    user = UserFactory(display_name="Mia Member", time_zone="UTC")
    client.force_login(user)
    return user


def save(client, zone: str):
    return client.post(PROFILE, {"display_name": "Mia Member", "time_zone": zone, "language": "en"})


def test_the_list_offers_common_zones_first_then_every_region_and_city(client, member):
    html = client.get(PROFILE).content.decode()

    assert 'list="id_time_zone_list"' in html
    listed = re.findall(r'<option value="([^"]+)">UTC[+−]\d\d:\d\d</option>', html)
    assert listed[:2] == ["Europe/Berlin", "Europe/Vienna"]
    assert listed.index("America/New_York") < listed.index("Africa/Abidjan")
    assert "Pacific/Chatham" in listed and "US/Eastern" not in listed
    assert len(listed) == len(set(listed)) > 400
    # The browser's own zone is offered by our script; without it the button stays hidden.
    assert re.search(r"<button[^>]*data-time-zone-detect[^>]*hidden>", html)


def test_a_zone_typed_in_any_case_with_spaces_is_saved_under_its_name(client, member):
    response = save(client, " europe/berlin ")

    assert response.status_code == 302
    member.refresh_from_db()
    assert str(member.time_zone) == "Europe/Berlin"

    save(client, "America/New York")
    member.refresh_from_db()
    assert str(member.time_zone) == "America/New_York"


def test_an_old_alias_is_accepted_though_not_listed(client, member):
    save(client, "US/Eastern")

    member.refresh_from_db()
    assert str(member.time_zone) == "US/Eastern"


@pytest.mark.parametrize("typed", ["Europe/Berln", "Mars/Olympus_Mons", "localtime"])
def test_an_unknown_zone_is_refused_with_a_clear_error_keeping_what_was_typed(
    client, member, typed
):
    response = save(client, typed)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"“{typed}” is not a time zone we know." in html
    assert f'value="{typed}"' in html
    assert 'aria-invalid="true"' in html
    member.refresh_from_db()
    assert str(member.time_zone) == "UTC"


def test_the_error_reads_in_german(client, member):
    member.language = "de"
    member.save(update_fields=["language"])

    # The member's language is activated for the request; put the test's back after it.
    with translation.override("en"):
        response = client.post(
            PROFILE, {"display_name": "Mia Member", "time_zone": "Europa/Berlin", "language": "de"}
        )

    html = response.content.decode()
    assert "„Europa/Berlin“ ist keine uns bekannte Zeitzone." in html
    assert "Meine aktuelle Zeitzone verwenden:" in html
