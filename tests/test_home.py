import re

import pytest
from django.urls import reverse

from tests.builders import add_member, launch_community
from tests.factories import UserFactory


@pytest.mark.django_db
def test_visitors_learn_what_practica_is_and_how_to_join(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "communities of people who face similar practical challenges" in page
    assert f'href="{reverse("account_signup")}"' in page
    assert f'href="{reverse("account_login")}"' in page
    assert "Welcome back" not in page


def test_members_are_greeted_by_name_and_see_the_empty_state(client, user):
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Welcome back, {user.display_name}" in page
    assert "You have not joined a community yet" in page
    assert f'href="{reverse("account_signup")}"' not in page


def test_the_profile_page_saves_the_members_changes(client, user):
    client.force_login(user)

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": "Ada Lovelace",
            "bio": "Analyst of engines.",
            "time_zone": "Europe/London",
            "language": "en",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Your profile has been saved." in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Ada Lovelace"
    assert user.bio == "Analyst of engines."
    assert str(user.time_zone) == "Europe/London"


def test_the_profile_page_keeps_what_was_typed_when_it_has_errors(client, user):
    client.force_login(user)
    old_name = user.display_name

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": "",
            "bio": "Kept while I fix my name.",
            "time_zone": "Europe/Berlin",
            "language": "en",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kept while I fix my name." in page
    assert re.search(r'<input[^>]*name="time_zone"[^>]*value="Europe/Berlin"', page)
    assert "field--error" in page
    user.refresh_from_db()
    assert user.display_name == old_name
    assert user.bio == ""


def test_the_profile_page_is_for_signed_in_members_only(client, db):
    response = client.get(reverse("members:profile_edit"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_members_see_another_members_profile(client, user):
    other = UserFactory(display_name="Chloé Martin", bio="Maths teacher.")
    # Profiles are for people who share a community (tests/members/test_profile_privacy.py).
    community = launch_community(UserFactory(), name="Maths teachers")
    add_member(community, user)
    add_member(community, other)
    client.force_login(user)

    response = client.get(other.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Chloé Martin" in page
    assert "Maths teacher." in page


def test_visitors_must_sign_in_to_see_a_profile(client, other_user):
    response = client.get(other_user.get_absolute_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_deactivated_members_profile_is_not_found(client, user):
    gone = UserFactory(is_active=False)
    client.force_login(user)

    response = client.get(gone.get_absolute_url())

    assert response.status_code == 404
