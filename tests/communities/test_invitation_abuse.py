"""Invitations are no spam relay: limits scale with trust, an invitation is resent at
most once a day, one address hears a few invitations a week from everyone together,
and every invitation email can stop them all."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Invitation, InvitationOptOut, Membership
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def established(**fields):
    return UserFactory(**fields)  # the factory's accounts are two months old


@pytest.fixture
def team():
    facilitator = established()
    community = CommunityFactory()
    MembershipFactory(community=community, user=facilitator, facilitator=True)
    return community, facilitator


def addresses(n: int, start: int = 0) -> list[str]:
    return [f"person{i}@example.org" for i in range(start, start + n)]


def test_a_new_account_sends_a_handful_of_invitations_a_day(settings):
    settings.INVITATIONS_PER_DAY_NEW_ACCOUNT = 3
    newcomer = UserFactory(date_joined=timezone.now())
    community = CommunityFactory()
    MembershipFactory(community=community, user=newcomer, facilitator=True)

    with pytest.raises(ValidationError) as refused:
        services.invitations_create(community=community, by=newcomer, emails=addresses(4))

    assert refused.value.messages == [
        "In its first 7 days an account can send 3 invitations a day; you can send 3 more today."
    ]
    assert not Invitation.objects.filter(invited_by=newcomer).exists()
    assert len(services.invitations_create(community=community, by=newcomer, emails=addresses(3)))


def test_a_community_in_planning_sends_a_handful_of_invitations_a_day(settings):
    settings.INVITATIONS_PER_DAY_PLANNING = 2
    founder = established()
    planned = services.community_create(
        user=founder, name="Night shifts", challenge="Nights are long.", kind="practice"
    )

    services.invitations_create(
        community=planned, by=founder, emails=addresses(2), role=Membership.Role.CORE
    )
    with pytest.raises(ValidationError, match="While a community is in planning, you can send 2"):
        services.invitations_create(
            community=planned, by=founder, emails=addresses(1, 5), role=Membership.Role.CORE
        )


def test_an_established_account_in_a_launched_community_has_the_site_limit(team, settings):
    community, facilitator = team
    settings.INVITATIONS_PER_RECIPIENT_PER_WEEK = 3

    assert (
        len(services.invitations_create(community=community, by=facilitator, emails=addresses(12)))
        == 12
    )


def test_an_invitation_is_resent_at_most_once_a_day(team):
    community, facilitator = team
    (invitation,) = services.invitations_create(
        community=community, by=facilitator, emails=["ines@example.org"]
    )

    with pytest.raises(ValidationError, match="invited less than a day ago"):
        services.invitation_resend(invitation=invitation, by=facilitator)

    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    again = services.invitation_resend(invitation=invitation, by=facilitator)
    assert again.pk != invitation.pk
    with pytest.raises(ValidationError, match="invited less than a day ago"):
        services.invitation_resend(invitation=again, by=facilitator)


def test_one_address_hears_only_a_few_invitations_a_week_from_everyone(settings):
    settings.INVITATIONS_PER_RECIPIENT_PER_WEEK = 2
    senders = []
    for _n in range(3):
        sender = established()
        community = CommunityFactory()
        MembershipFactory(community=community, user=sender, facilitator=True)
        senders.append((community, sender))

    for community, sender in senders[:2]:
        services.invitations_create(community=community, by=sender, emails=["target@example.org"])
    community, sender = senders[2]
    batch = services.invitations_send(
        community=community, by=sender, emails=["target@example.org", "other@example.org"]
    )

    assert batch.enough_this_week == ["target@example.org"]
    assert [i.email for i in batch.created] == ["other@example.org"]
    assert Invitation.objects.filter(email="target@example.org").count() == 2


def test_every_invitation_email_can_stop_all_invitations_to_its_address(
    client, team, django_capture_on_commit_callbacks
):
    community, facilitator = team
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = services.invitations_create(
            community=community, by=facilitator, emails=["quiet@example.org"]
        )
    [message] = mail.outbox
    stop_url = next(u for u in re.findall(r"https?://\S+", message.body) if "/stop/" in u)
    assert "Stop them all" in message.alternatives[0].content
    path = stop_url.split("://", 1)[1].split("/", 1)[1]

    confirm = client.get(f"/{path}")
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Stop all invitations to this address?" in page
    assert "q***@e***.org" in page
    assert "quiet@example.org" not in page
    assert not InvitationOptOut.objects.exists()  # a GET changes nothing

    done = client.post(f"/{path}")
    assert "No more invitations to this address" in done.content.decode()
    assert InvitationOptOut.objects.filter(email="quiet@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None  # the open one stops working too

    other = CommunityFactory()
    MembershipFactory(community=other, user=established(), facilitator=True)
    batch = services.invitations_send(
        community=community, by=facilitator, emails=["Quiet@Example.org"]
    )
    assert batch.opted_out == ["quiet@example.org"]
    assert not batch.created


def test_a_forged_stop_link_is_the_neutral_invalid_page(client):
    response = client.get(reverse("communities:invitations_stop", args=["quiet@example.org"]))

    assert response.status_code == 404
    assert not InvitationOptOut.objects.exists()


def test_the_facilitator_hears_why_addresses_were_left_out(client, team, settings):
    community, facilitator = team
    settings.INVITATIONS_PER_RECIPIENT_PER_WEEK = 1
    services.invitation_opt_out(email="quiet@example.org")
    services.invitations_create(
        community=CommunityFactory(), by=established(), emails=["busy@example.org"]
    )
    client.force_login(facilitator)

    response = client.post(
        reverse("communities:manage_invitations", args=[community.slug]),
        {"emails": "quiet@example.org, busy@example.org, new@example.org", "role": "member"},
        follow=True,
    )

    page = response.content.decode()
    assert "1 invitation sent." in page
    assert "asked for no invitations: quiet@example.org" in page
    assert "had enough invitations this week; try again in a few days: busy@example.org" in page


def test_over_the_limit_the_invite_form_keeps_what_was_typed(client, settings):
    settings.INVITATIONS_PER_DAY_NEW_ACCOUNT = 1
    newcomer = UserFactory(date_joined=timezone.now())
    community = CommunityFactory()
    MembershipFactory(community=community, user=newcomer, facilitator=True)
    client.force_login(newcomer)

    response = client.post(
        reverse("communities:manage_invitations", args=[community.slug]),
        {
            "emails": "a@example.org, b@example.org",
            "role": "member",
            "message": "Come and share your night-shift tricks",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "In its first 7 days an account can send 1 invitations a day" in page
    assert "a@example.org, b@example.org" in page
    assert "Come and share your night-shift tricks" in page
    assert not Invitation.objects.filter(community=community).exists()


def test_confirming_the_address_by_signing_up_takes_invitations_again(team):
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    community, facilitator = team
    services.invitation_opt_out(email="back@example.org")
    person = UserFactory(email="back@example.org")
    address = EmailAddress.objects.get(user=person, email="back@example.org")

    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)

    assert not InvitationOptOut.objects.exists()
    assert services.invitations_create(community=community, by=facilitator, emails=[person.email])
