"""Unsubscribing in one click from a signed link, without signing in."""

import pytest
from django.core import signing
from django.urls import reverse

from communities.models import Membership
from members.digests import unsubscribe

from .helpers import reader_of, send

pytestmark = pytest.mark.django_db


def test_a_signed_link_shows_a_confirmation_and_changes_nothing_on_get(client, community):
    reader = reader_of(community)

    url = reverse("members:digest_unsubscribe", args=[unsubscribe.unsubscribe_token(reader.pk)])

    response = client.get(url)

    assert response.status_code == 200
    assert "Stop the digest emails?" in response.content.decode()
    assert "/settings/notifications/" in response.content.decode()
    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"


def test_the_unsubscribe_button_works_without_signing_in(client, community):
    reader = reader_of(community)
    url = reverse("members:digest_unsubscribe", args=[unsubscribe.unsubscribe_token(reader.pk)])

    response = client.post(url)

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.digest_cadence == "off"
    assert "You are unsubscribed" in client.get(url).content.decode()


def test_a_mail_clients_one_click_post_unsubscribes_without_cookies_or_csrf(community):
    from django.test import Client

    reader = reader_of(community)
    url = reverse("members:digest_unsubscribe", args=[unsubscribe.unsubscribe_token(reader.pk)])
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.digest_cadence == "off"


def test_a_community_link_leaves_only_that_community_out(client, community):
    reader = reader_of(community)
    url = reverse(
        "members:digest_unsubscribe", args=[unsubscribe.unsubscribe_token(reader.pk, community.pk)]
    )

    assert "Leave Safe handovers out of your digest?" in client.get(url).content.decode()
    client.post(url)

    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"
    assert Membership.objects.get(user=reader, community=community).digest_opt_out
    assert send([reader])["empty"] == 1


@pytest.mark.parametrize(
    "token",
    [
        "tampered",
        signing.dumps({"u": 1, "s": "all"}, salt="another-purpose"),
        signing.dumps({"u": "1", "s": "all"}, salt="digest-unsubscribe"),
    ],
    ids=["garbage", "other salt", "wrong shape"],
)
def test_a_tampered_or_foreign_token_changes_nothing(client, community, token):
    reader = reader_of(community)

    response = client.post(reverse("members:digest_unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    reader.refresh_from_db()
    assert reader.digest_cadence == "weekly"


def test_a_token_edited_to_name_another_member_is_refused(client, community):
    reader = reader_of(community)
    victim = reader_of(community)
    token = unsubscribe.unsubscribe_token(reader.pk)
    _payload, rest = token.split(":", 1)
    forged_payload = signing.dumps({"u": victim.pk, "s": "all"}, salt="x").split(":", 1)[0]

    client.post(reverse("members:digest_unsubscribe", args=[f"{forged_payload}:{rest}"]))

    victim.refresh_from_db()
    assert victim.digest_cadence == "weekly"
