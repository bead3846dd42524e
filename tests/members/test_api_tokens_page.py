"""The settings page for personal access tokens: create (shown once), list, revoke."""

import pytest
from django.urls import reverse

from members.api_tokens import ApiToken

pytestmark = pytest.mark.django_db

URL = "/settings/api-tokens/"


def test_a_new_token_is_shown_once_and_stored_hashed(client, user):
    client.force_login(user)
    response = client.post(URL, {"name": "Team dashboard", "scope": "write", "lifetime_days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["issued"].secret
    assert secret.startswith("prt_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.name == "Team dashboard" and token.scope == "write"
    assert secret not in token.digest and token.hint in secret
    again = client.get(URL).content.decode()
    assert "Team dashboard" in again and secret not in again
    api = client.get("/api/v1/notifications/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200


def test_bad_input_keeps_what_was_typed(client, user):
    client.force_login(user)
    response = client.post(URL, {"name": "", "scope": "admin", "lifetime_days": "9999"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the token a name" in page
    assert set(response.context["form"].errors) == {"name", "scope", "lifetime_days"}
    assert not ApiToken.objects.exists()
    typed = client.post(URL, {"name": "Phone", "scope": "read", "lifetime_days": "9999"})
    assert 'value="Phone"' in typed.content.decode()


def test_revoking_stops_the_token_at_once(client, user):
    client.force_login(user)
    secret = (
        client.post(URL, {"name": "Old", "scope": "read", "lifetime_days": "7"})
        .context["issued"]
        .secret
    )
    token = ApiToken.objects.get(user=user)
    response = client.post(reverse("members:api_token_revoke", args=[token.pk]), follow=True)
    assert "revoked" in response.content.decode()
    assert (
        client.get("/api/v1/communities/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    )


def test_nobody_revokes_someone_elses_token(client, user, other_user):
    client.force_login(user)
    client.post(URL, {"name": "Mine", "scope": "read", "lifetime_days": "7"})
    token = ApiToken.objects.get(user=user)
    client.force_login(other_user)
    client.post(reverse("members:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Mine" not in client.get(URL).content.decode()


def test_the_page_is_in_german(client, user):
    user.language = "de"
    user.save()
    client.force_login(user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Neuer Token" in page and "Token erstellen" in page
