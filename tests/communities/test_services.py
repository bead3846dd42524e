import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from communities import services
from communities.models import (
    CharterAcceptance,
    Community,
    Invitation,
    Membership,
    MembershipEvent,
    StageChange,
)
from communities.permissions import JoinState, check_can_contribute, join_state
from config.permissions import can
from members.models import Notification, OutboundEmail
from members.notifications import send_notification_emails
from tests.factories import CommunityFactory, UserFactory
from tests.staff import privileged


def queued_to(address: str) -> list[OutboundEmail]:
    """Emails the services put in the outbox for `address` (delivery is tested elsewhere).

    Members hear through their notifications: the ones due by then are emailed first.
    """
    send_notification_emails(now=timezone.now() + timedelta(hours=1))
    return list(OutboundEmail.objects.filter(to=address).order_by("pk"))


def test_creator_becomes_first_facilitator_of_a_planned_community(planned, facilitator):
    membership = Membership.objects.get(community=planned, user=facilitator)
    assert membership.role == Membership.Role.FACILITATOR
    assert membership.is_active
    assert planned.stage == Community.Stage.PLANNING
    assert planned.rules.count() == 3  # sensible defaults to start from
    assert not Community.objects.listed().filter(pk=planned.pk).exists()


def test_slug_is_unique_per_name(facilitator):
    a = services.community_create(user=facilitator, name="Same", challenge="x", kind="practice")
    b = services.community_create(user=facilitator, name="Same", challenge="x", kind="practice")
    assert a.slug != b.slug
    assert a.slug.startswith("same-") and b.slug.startswith("same-")


@pytest.mark.parametrize("stage", ["planning", "hidden"])
def test_a_new_slug_does_not_tell_that_a_hidden_community_has_the_name(facilitator, stage):
    """The slug has the same shape whether or not a community the creator cannot see
    already uses the name: no `x-2` revealing that `x` exists."""
    if stage == "planning":
        CommunityFactory(name="Night audit", slug="night-audit", planning=True)
    else:
        CommunityFactory(name="Night audit", slug="night-audit", hidden=True)
    creator = UserFactory()
    taken = services.community_create(
        user=creator, name="Night audit", challenge="x", kind="practice"
    )
    free = services.community_create(user=creator, name="Day audit", challenge="x", kind="practice")

    shape = re.compile(r"^[a-z-]+-[a-z0-9]{6}$")
    assert shape.match(taken.slug) and shape.match(free.slug)
    assert taken.slug.startswith("night-audit-") and free.slug.startswith("day-audit-")


def test_launch_is_refused_while_fundamentals_are_missing(planned, facilitator):
    keys = {item.key for item in services.missing_for_launch(planned)}
    assert keys == {"purpose", "rules", "welcome", "onboarding", "team", "seed_post"}
    with pytest.raises(ValidationError, match="Still missing"):
        services.community_launch(community=planned, by=facilitator)
    planned.refresh_from_db()
    assert planned.stage == Community.Stage.PLANNING


def test_launch_records_the_stage_change(launched, facilitator):
    assert launched.stage == Community.Stage.LAUNCHED
    assert launched.launched_at is not None
    change = StageChange.objects.get(community=launched)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        "planning",
        "launched",
        facilitator,
    )
    assert Community.objects.listed().filter(pk=launched.pk).exists()


def test_join_requires_accepting_current_rules(launched):
    person = UserFactory()
    with pytest.raises(ValidationError, match="accept"):
        services.membership_join(community=launched, user=person, accepted_rules=False)
    assert not Membership.objects.filter(community=launched, user=person).exists()
    membership = services.membership_join(community=launched, user=person, accepted_rules=True)
    assert membership.is_active
    assert membership.accepted_charter_number == 1
    assert CharterAcceptance.objects.filter(membership=membership).count() == 1
    launched.refresh_from_db()
    assert launched.member_count == 2


def test_material_charter_change_blocks_contributing_until_reaccepted(launched, facilitator):
    person = UserFactory()
    membership = services.membership_join(community=launched, user=person, accepted_rules=True)
    assert can(check_can_contribute, person, launched)

    services.rule_add(community=launched, title="Cite your sources")
    services.charter_publish(
        community=launched, by=facilitator, is_material=True, summary="New rule"
    )
    launched.refresh_from_db()
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.needs_charter_acceptance
    assert not can(check_can_contribute, person, Community.objects.get(pk=launched.pk))
    # The facilitator who published has accepted already.
    assert can(check_can_contribute, facilitator, Community.objects.get(pk=launched.pk))
    assert Notification.objects.filter(recipient=person, kind="charter").exists()
    assert any("published new rules" in m.subject for m in queued_to(person.email))

    services.charter_accept(membership=membership)
    assert can(check_can_contribute, person, Community.objects.get(pk=launched.pk))
    assert list(
        CharterAcceptance.objects.filter(membership=membership).values_list(
            "version__number", flat=True
        )
    ) == [2, 1]


def test_minor_charter_edit_does_not_require_acceptance(launched, facilitator):
    person = UserFactory()
    services.membership_join(community=launched, user=person, accepted_rules=True)
    services.charter_publish(community=launched, by=facilitator, is_material=False, summary="Typo")
    assert can(check_can_contribute, person, Community.objects.get(pk=launched.pk))


def test_request_flow_pending_then_approved_with_email(launched, facilitator):
    launched.join_policy = Community.JoinPolicy.REQUEST
    launched.save()
    services.questions_set(community=launched, texts=["Why do you want to join?", "", "Role?"])
    applicant = UserFactory()
    with pytest.raises(ValidationError, match="answer every question"):
        services.membership_request(
            community=launched, user=applicant, answers=["Because", ""], accepted_rules=True
        )
    membership = services.membership_request(
        community=launched, user=applicant, answers=["Because", "Nurse"], accepted_rules=True
    )
    assert membership.status == Membership.Status.PENDING
    assert join_state(applicant, Community.objects.get(pk=launched.pk)) == JoinState.PENDING
    assert [a["answer"] for a in membership.answers] == ["Because", "Nurse"]
    assert "asks to join" in queued_to(facilitator.email)[-1].subject

    services.membership_approve(membership=membership, by=facilitator, message="Welcome!")
    membership.refresh_from_db()
    assert membership.is_active
    assert membership.accepted_charter_number == 1
    (email,) = queued_to(applicant.email)
    assert "Welcome!" in email.body_text and "Welcome!" in email.body_html
    assert MembershipEvent.objects.filter(
        membership=membership, action="approved", actor=facilitator
    ).exists()


def test_declined_applicant_is_told_and_stays_out(launched, facilitator):
    launched.join_policy = Community.JoinPolicy.REQUEST
    launched.save()
    applicant = UserFactory()
    membership = services.membership_request(
        community=launched, user=applicant, answers=[], accepted_rules=True
    )
    services.membership_decline(membership=membership, by=facilitator, message="Not this time")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.DECLINED
    assert "Not this time" in queued_to(applicant.email)[-1].body_text
    with pytest.raises(ValidationError):
        services.membership_approve(membership=membership, by=facilitator)


def test_invitation_is_single_use_and_bound_to_its_email(launched, facilitator):
    invitee = UserFactory(email="invitee@practica.test")
    stranger = UserFactory()
    (invitation,) = services.invitations_create(
        community=launched, by=facilitator, emails=["Invitee@Practica.test"]
    )
    assert invitation.email == "invitee@practica.test"
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert invitation.get_absolute_url() in queued_to("invitee@practica.test")[-1].body_text

    with pytest.raises(ValidationError, match=r"sent to i\*\*\*@p\*\*\*\.test"):
        services.invitation_accept(invitation=invitation, user=stranger, accepted_rules=True)
    membership = services.invitation_accept(
        invitation=invitation, user=invitee, accepted_rules=True
    )
    assert membership.is_active
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(invitation=invitation, user=invitee, accepted_rules=True)


def test_expired_and_revoked_invitations_cannot_be_redeemed(launched, facilitator):
    invitee = UserFactory(email="late@practica.test")
    (invitation,) = services.invitations_create(
        community=launched, by=facilitator, emails=[invitee.email]
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(invitation=invitation, user=invitee, accepted_rules=True)
    (again,) = services.invitations_create(
        community=launched, by=facilitator, emails=[invitee.email]
    )
    services.invitation_revoke(invitation=again)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(invitation=again, user=invitee, accepted_rules=True)
    assert not Membership.objects.filter(community=launched, user=invitee).exists()


def test_resending_an_invitation_replaces_the_old_link(launched, facilitator):
    (first,) = services.invitations_create(
        community=launched, by=facilitator, emails=["again@practica.test"]
    )
    Invitation.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=2))
    second = services.invitation_resend(invitation=first, by=facilitator)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.is_open and second.token != first.token


def test_invited_person_of_a_hidden_community_can_see_it(launched, facilitator):
    launched.visibility = Community.Visibility.HIDDEN
    launched.join_policy = Community.JoinPolicy.INVITATION
    launched.save()
    invitee = UserFactory()
    stranger = UserFactory()
    assert not Community.objects.visible_to(invitee).filter(pk=launched.pk).exists()
    services.invitations_create(community=launched, by=facilitator, emails=[invitee.email])
    assert Community.objects.visible_to(invitee).filter(pk=launched.pk).exists()
    assert not Community.objects.readable_by(invitee).filter(pk=launched.pk).exists()
    assert not Community.objects.visible_to(stranger).filter(pk=launched.pk).exists()
    assert join_state(invitee, launched) == JoinState.INVITED


def test_banned_member_cannot_rejoin_request_or_redeem(launched, facilitator):
    person = UserFactory()
    membership = services.membership_join(community=launched, user=person, accepted_rules=True)
    services.membership_ban(membership=membership, by=facilitator, reason="Spam")
    assert join_state(person, Community.objects.get(pk=launched.pk)) == JoinState.BANNED
    with pytest.raises(ValidationError):
        services.membership_join(community=launched, user=person, accepted_rules=True)
    assert (
        services.invitations_create(community=launched, by=facilitator, emails=[person.email]) == []
    )
    launched.refresh_from_db()
    assert launched.member_count == 1


def test_last_facilitator_cannot_leave_or_step_down(launched, facilitator):
    own = Membership.objects.get(community=launched, user=facilitator)
    with pytest.raises(ValidationError, match="hand the role"):
        services.membership_leave(membership=own)
    with pytest.raises(ValidationError, match="someone else facilitator"):
        services.membership_set_role(membership=own, by=facilitator, role="member")
    other = services.membership_join(community=launched, user=UserFactory(), accepted_rules=True)
    services.membership_set_role(membership=other, by=facilitator, role="facilitator")
    services.membership_leave(membership=own)
    own.refresh_from_db()
    assert own.status == Membership.Status.LEFT
    assert list(own.events.values_list("action", flat=True))[:1] == ["left"]


def test_onboarding_completes_when_all_chosen_steps_are_done(launched):
    person = UserFactory()
    membership = services.membership_join(community=launched, user=person, accepted_rules=True)
    assert [s.key for s in services.onboarding_steps(membership) if not s.done] == [
        "profile",
        "intro",
    ]
    services.onboarding_set_profile(
        membership=membership, can_help_with=["SBAR"], wants_to_learn=[]
    )
    assert membership.onboarding_completed_at is None
    services.onboarding_introduce(membership=membership, intro="Ward nurse, 10 years.")
    membership.refresh_from_db()
    assert membership.onboarding_completed_at is not None
    assert list(membership.can_help_with.names()) == ["SBAR"]


def test_planning_community_is_seen_only_by_its_team(planned, facilitator):
    assert Community.objects.visible_to(facilitator).filter(pk=planned.pk).exists()
    assert not Community.objects.visible_to(UserFactory()).filter(pk=planned.pk).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not Community.objects.visible_to(AnonymousUser()).filter(pk=planned.pk).exists()


def test_members_only_content_is_readable_only_by_members(launched):
    from django.contrib.auth.models import AnonymousUser

    launched.visibility = Community.Visibility.MEMBERS
    launched.save()
    outsider = UserFactory()
    assert Community.objects.visible_to(outsider).filter(pk=launched.pk).exists()
    assert not Community.objects.readable_by(outsider).filter(pk=launched.pk).exists()
    assert not Community.objects.readable_by(AnonymousUser()).filter(pk=launched.pk).exists()
    services.membership_join(community=launched, user=outsider, accepted_rules=True)
    assert Community.objects.readable_by(outsider).filter(pk=launched.pk).exists()


def test_archived_community_is_read_only(launched, facilitator):
    person = UserFactory()
    services.membership_join(community=launched, user=person, accepted_rules=True)
    services.community_archive(community=launched, by=facilitator, note="Goal reached")
    archived = Community.objects.get(pk=launched.pk)
    assert archived.closing_note == "Goal reached"
    assert not can(check_can_contribute, person, archived)
    assert Community.objects.readable_by(person).filter(pk=launched.pk).exists()
    with pytest.raises(ValidationError, match="read-only"):
        services.rule_add(community=archived, title="Late rule")
    services.community_restore(community=archived, by=privileged(UserFactory(is_staff=True)))
    assert Community.objects.get(pk=launched.pk).is_launched


def test_rules_can_be_reordered(planned):
    ids = list(planned.rules.values_list("pk", flat=True))
    services.rule_move(rule=planned.rules.get(pk=ids[2]), direction=-1)
    assert list(planned.rules.values_list("pk", flat=True)) == [ids[0], ids[2], ids[1]]


def test_at_most_five_join_questions(planned):
    with pytest.raises(ValidationError, match="at most 5"):
        services.questions_set(community=planned, texts=[f"Q{i}" for i in range(6)])
