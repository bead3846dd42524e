"""An invitation link shows its community only while the invitation is open; the
invited address is shown in full to its owner alone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_MESSAGE = "Bring the night-shift audit, zq-invite-secret"


def _closed(kind: str, user):
    now = timezone.now()
    change = {
        "revoked": {"revoked_at": now},
        "used": {"accepted_at": now, "accepted_by": user},
        "expired": {"expires_at": now - timedelta(days=1)},
    }[kind]
    return InvitationFactory(
        community__hidden=True,
        community__name="Zq Hidden Circle",
        community__challenge="Zq challenge nobody outside knows",
        email="invitee@practica.test",
        message=SECRET_MESSAGE,
        invited_by=UserFactory(display_name="Zq Inviter"),
        **change,
    )


@pytest.mark.parametrize("kind", ["revoked", "used", "expired"])
@pytest.mark.parametrize("who", ["anonymous", "stranger", "invitee"])
def test_a_closed_invitation_shows_one_neutral_page(client, kind, who):
    invitee = UserFactory(email="invitee@practica.test")
    invitation = _closed(kind, invitee)
    if who == "stranger":
        client.force_login(UserFactory())
    elif who == "invitee":
        client.force_login(invitee)

    response = client.get(invitation.get_absolute_url())
    unknown = client.get(reverse("communities:invitation", args=["no-such-token"]))

    page = response.content.decode()
    assert response.status_code == unknown.status_code == 404
    assert "no longer valid" in page
    for secret in ("Zq Hidden Circle", "Zq challenge", "zq-invite-secret", "invitee@"):
        assert secret not in page
    assert "Zq Inviter" not in page


def test_an_open_invitation_masks_the_address_for_visitors(client):
    invitation = InvitationFactory(email="new.person@practica.test")

    page = client.get(invitation.get_absolute_url()).content.decode()

    assert invitation.community.name in page
    assert "new.person@practica.test" not in page
    assert "new.person%40practica.test" not in page
    assert "n***@p***.test" in page


def test_an_open_invitation_masks_the_address_for_another_account(client):
    invitation = InvitationFactory(email="someone-else@practica.test")
    client.force_login(UserFactory())

    page = client.get(invitation.get_absolute_url()).content.decode()

    assert "someone-else@practica.test" not in page
    assert "s***@p***.test" in page


def test_the_owner_of_the_address_sees_the_invitation_in_full(client):
    invitee = UserFactory()
    invitation = InvitationFactory(email=invitee.email, message=SECRET_MESSAGE)
    client.force_login(invitee)

    page = client.get(invitation.get_absolute_url()).content.decode()

    assert SECRET_MESSAGE in page
    assert 'name="accepted_rules"' in page
