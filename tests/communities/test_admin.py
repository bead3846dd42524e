"""The staff's admin pages for communities render, search, filter and act through services."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import (
    CharterVersion,
    Community,
    Invitation,
    Membership,
    MembershipEvent,
    StageChange,
)
from members.models import Notification
from tests.builders import add_member, add_pending_request
from tests.factories import UserFactory
from tests.staff import login_with_mfa

MODELS = [
    "community",
    "membership",
    "charterversion",
    "invitation",
    "membershipevent",
    "stagechange",
]


@pytest.fixture
def staff_client(client, staff_user):
    """A staff member signed in with two-factor authentication set up."""
    TOTP.activate(staff_user, generate_totp_secret())
    login_with_mfa(client, staff_user)  # as allauth signs in an account with TOTP
    return client


def changelist(model: str) -> str:
    return reverse(f"admin:communities_{model}_changelist")


def change(model: str, pk: int) -> str:
    return reverse(f"admin:communities_{model}_change", args=[pk])


def act(client, model: str, action: str, *pks: int):
    return client.post(
        changelist(model),
        {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]},
        follow=True,
    )


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_renders_and_searches(staff_client, launched, model):
    add_member(launched, UserFactory(display_name="Zora Neale"))

    listing = staff_client.get(changelist(model))
    searched = staff_client.get(changelist(model), {"q": "safe"})

    assert listing.status_code == 200
    assert searched.status_code == 200


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("community", {"kind__exact": "practice", "stage__exact": "launched"}),
        ("community", {"visibility__exact": "hidden"}),
        ("membership", {"role__exact": "facilitator", "status__exact": "active"}),
        ("invitation", {"state": "open", "role__exact": "core"}),
        ("invitation", {"state": "expired"}),
        ("membershipevent", {"action__exact": "joined"}),
        ("stagechange", {"to_stage__exact": "launched"}),
        ("charterversion", {"is_material__exact": "1"}),
    ],
)
def test_changelists_filter(staff_client, launched, model, query):
    response = staff_client.get(changelist(model), query)

    assert response.status_code == 200
    assert "errornote" not in response.content.decode()


def test_membership_filter_by_community_and_search_by_member(staff_client, launched, hidden):
    add_member(launched, UserFactory(display_name="Zora Neale", email="zora@example.org"))
    add_member(hidden, UserFactory(display_name="Other Person", email="other@example.org"))

    by_email = staff_client.get(changelist("membership"), {"q": "zora@"}).content.decode()
    by_community = staff_client.get(
        changelist("membership"), {"community__id__exact": hidden.pk}
    ).content.decode()

    assert "Zora Neale" in by_email and "Other Person" not in by_email
    assert "Other Person" in by_community and "Zora Neale" not in by_community


def test_every_change_page_renders(staff_client, launched, facilitator):
    membership = launched.memberships.get(user=facilitator)
    pages = [
        change("community", launched.pk),
        change("membership", membership.pk),
        change("charterversion", launched.charter_versions.get().pk),
        change("invitation", launched.invitations.first().pk),
        change("membershipevent", membership.events.first().pk),
        change("stagechange", launched.stage_changes.first().pk),
    ]

    for page in pages:
        assert staff_client.get(page).status_code == 200, page


def test_the_community_page_edits_rules_and_questions_inline(staff_client, launched):
    page = staff_client.get(change("community", launched.pk)).content.decode()

    assert 'name="rules-TOTAL_FORMS"' in page
    assert 'name="questions-TOTAL_FORMS"' in page
    assert launched.rules.first().title in page


def test_history_and_published_charters_are_read_only(staff_client, launched):
    version = launched.charter_versions.get()

    response = staff_client.post(change("charterversion", version.pk), {"summary": "Rewritten"})

    assert response.status_code == 403
    version.refresh_from_db()
    assert version.summary == ""
    assert staff_client.get(reverse("admin:communities_membershipevent_add")).status_code == 403
    assert staff_client.get(reverse("admin:communities_stagechange_add")).status_code == 403


def test_staff_edits_to_a_community_keep_its_counters(staff_client, launched):
    Community.objects.filter(pk=launched.pk).update(member_count=42)
    page = staff_client.get(change("community", launched.pk))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name != "cover_image"
    }
    data.update(
        {
            "name": "Safe handovers (renamed)",
            "tags": "handover",
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        }
    )
    for name in ("onboarding_profile", "onboarding_intro", "onboarding_pinned"):
        if not data.get(name):
            data.pop(name, None)

    response = staff_client.post(change("community", launched.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    launched.refresh_from_db()
    assert launched.name == "Safe handovers (renamed)"
    assert launched.member_count == 42
    assert list(launched.tags.names()) == ["handover"]


def test_archive_and_restore_actions_record_the_stage_change(staff_client, launched, staff_user):
    response = act(staff_client, "community", "archive", launched.pk)

    assert "1 community archived." in response.content.decode()
    launched.refresh_from_db()
    assert launched.is_archived
    assert StageChange.objects.filter(
        community=launched, to_stage="archived", changed_by=staff_user
    ).exists()
    # An archived community is read-only here as well.
    page = staff_client.get(change("community", launched.pk)).content.decode()
    assert 'name="name"' not in page

    response = act(staff_client, "community", "restore", launched.pk)

    assert "1 community restored." in response.content.decode()
    launched.refresh_from_db()
    assert launched.is_launched


def test_approve_and_decline_actions_decide_pending_requests(staff_client, launched):
    approved = add_pending_request(launched)
    declined = add_pending_request(launched)
    active = add_member(launched)

    act(staff_client, "membership", "approve", approved.pk)
    response = act(staff_client, "membership", "decline", declined.pk, active.pk)

    approved.refresh_from_db()
    declined.refresh_from_db()
    active.refresh_from_db()
    assert approved.is_active
    assert declined.status == Membership.Status.DECLINED
    assert active.is_active
    page = response.content.decode()
    assert "1 request declined." in page
    assert "This request has already been decided." in page
    assert Notification.objects.filter(recipient=approved.user, kind="membership").exists()


def test_memberships_are_not_added_in_the_admin(staff_client, launched):
    assert staff_client.get(reverse("admin:communities_membership_add")).status_code == 403


def test_invitation_actions_resend_and_revoke(staff_client, launched, facilitator):
    first, second = services.invitations_create(
        community=launched, by=facilitator, emails=["a@example.org", "b@example.org"]
    )

    act(staff_client, "invitation", "revoke", first.pk)
    # Resent at most once a day (communities.services.invitation_resend).
    Invitation.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(days=2))
    response = act(staff_client, "invitation", "resend", second.pk)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert "1 invitation sent again." in response.content.decode()
    second.refresh_from_db()
    assert second.revoked_at is not None  # replaced by the fresh one
    assert Invitation.objects.open().filter(email="b@example.org").count() == 1


def test_membership_history_is_shown_with_the_membership(staff_client, launched, facilitator):
    membership = add_member(launched)
    services.membership_set_role(membership=membership, by=facilitator, role="core")

    page = staff_client.get(change("membership", membership.pk)).content.decode()

    assert "Member → Core member" in page
    assert MembershipEvent.objects.filter(membership=membership).count() >= 2


def test_members_who_are_not_staff_cannot_open_the_community_admin(client, user, launched):
    client.force_login(user)

    response = client.get(changelist("community"), follow=True)

    assert response.status_code == 403
    assert CharterVersion.objects.filter(community=launched).exists()
