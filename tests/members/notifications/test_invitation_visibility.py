"""An invitation notification shows only while its invitation is open and its community
is visible to the recipient: not after it was withdrawn, nor once the invitee joined and
then left, was removed or was banned."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Membership
from members import notifications
from members.models import NotificationKind, OutboundEmail
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "Zq come and see our night audit"


@pytest.fixture
def hidden():
    return CommunityFactory(hidden=True, invitation_only=True, name="Zq Hidden Circle")


@pytest.fixture
def facilitator(hidden):
    return MembershipFactory(community=hidden, facilitator=True).user


@pytest.fixture
def invitee(db):
    return UserFactory()


def _invite(hidden, facilitator, invitee):
    (invitation,) = community_services.invitations_create(
        community=hidden, by=facilitator, emails=[invitee.email], message=MESSAGE
    )
    assert invitee.notifications.filter(kind=NotificationKind.INVITATION).exists()
    return invitation


def _inbox(client, invitee) -> str:
    client.force_login(invitee)
    return client.get(reverse("members:notifications")).content.decode()


def test_an_open_invitation_is_shown(client, hidden, facilitator, invitee):
    _invite(hidden, facilitator, invitee)

    page = _inbox(client, invitee)

    assert "Zq Hidden Circle" in page and MESSAGE in page


def test_a_withdrawn_invitation_disappears_from_the_inbox_and_its_email(
    client, hidden, facilitator, invitee
):
    invitation = _invite(hidden, facilitator, invitee)
    community_services.invitation_revoke(invitation=invitation)

    page = _inbox(client, invitee)
    notifications.send_notification_emails(now=timezone.now() + timedelta(hours=1))

    assert "Zq Hidden Circle" not in page and MESSAGE not in page
    sent = OutboundEmail.objects.filter(to=invitee.email)
    assert not any("Zq Hidden Circle" in e.subject + e.body_text for e in sent)
    opened = client.get(reverse("members:notification_open", args=[invitee.notifications.get().pk]))
    assert opened.status_code == 404 or invitation.get_absolute_url() not in opened.get(
        "Location", ""
    )


@pytest.mark.parametrize("ending", ["left", "removed", "banned"])
def test_an_accepted_invitation_disappears_once_the_member_is_gone(
    client, hidden, facilitator, invitee, ending
):
    invitation = _invite(hidden, facilitator, invitee)
    membership = community_services.invitation_accept(
        invitation=invitation, user=invitee, accepted_rules=True
    )
    if ending == "left":
        community_services.membership_leave(membership=membership)
    elif ending == "removed":
        community_services.membership_remove(membership=membership, by=facilitator)
    else:
        community_services.membership_ban(membership=membership, by=facilitator, reason="x")
    assert Membership.objects.get(pk=membership.pk).status == ending

    page = _inbox(client, invitee)

    assert "Zq Hidden Circle" not in page and MESSAGE not in page
