"""Archiving and restoring a community: who may, what is recorded, and who is emailed."""

import pytest
from django.urls import reverse

from communities import services
from communities.models import Community, ModerationAction, StageChange
from tests.factories import CommunityFactory, StaffFactory, UserFactory
from tests.staff import login_with_mfa


def restore_url(community: Community) -> str:
    return reverse("communities:restore", args=[community.slug])


@pytest.fixture
def archived(launched, facilitator):
    return services.community_archive(community=launched, by=facilitator, note="Goal reached.")


def test_archiving_through_the_site_records_a_moderation_action(client, launched, facilitator):
    client.force_login(facilitator)

    client.post(
        reverse("communities:manage_archive", args=[launched.slug]),
        {"note": "We reached our goal.", "confirm": "on"},
    )

    action = ModerationAction.objects.get(community=launched)
    assert action.action == ModerationAction.Action.ARCHIVED
    assert action.actor == facilitator
    assert action.reason == "We reached our goal."


def test_archiving_twice_records_it_once(launched, facilitator):
    services.community_archive(community=launched, by=facilitator, note="Done.")
    services.community_archive(community=launched, by=facilitator, note="Done again.")

    assert ModerationAction.objects.filter(community=launched).count() == 1
    assert StageChange.objects.filter(community=launched, to_stage="archived").count() == 1


def test_staff_restore_an_archived_community_from_its_page(client, archived):
    staff = StaffFactory()
    login_with_mfa(client, staff)
    page = client.get(archived.get_absolute_url()).content.decode()
    assert restore_url(archived) in page

    response = client.post(restore_url(archived), follow=True)

    assert response.redirect_chain[-1][0] == archived.get_absolute_url()
    assert "is open again" in response.content.decode()
    archived.refresh_from_db()
    assert archived.is_launched
    assert archived.archived_at is None
    restored = ModerationAction.objects.get(community=archived, action="restored")
    assert restored.actor == staff
    assert archived.stage_changes.filter(
        from_stage="archived", to_stage="launched", changed_by=staff
    ).exists()


def test_facilitators_cannot_restore_and_do_not_see_the_button(client, archived, facilitator):
    client.force_login(facilitator)

    page = client.get(archived.get_absolute_url()).content.decode()
    response = client.post(restore_url(archived))

    assert restore_url(archived) not in page
    assert response.status_code == 403
    archived.refresh_from_db()
    assert archived.is_archived
    assert not ModerationAction.objects.filter(action="restored").exists()


def test_members_and_visitors_cannot_restore(client, archived):
    client.force_login(UserFactory())
    assert client.post(restore_url(archived)).status_code == 403
    client.logout()
    assert client.post(restore_url(archived)).status_code == 302
    archived.refresh_from_db()
    assert archived.is_archived


def test_restoring_a_launched_community_changes_nothing(client, launched):
    client.force_login(StaffFactory())

    client.post(restore_url(launched))

    assert not ModerationAction.objects.filter(community=launched).exists()
    assert not launched.stage_changes.filter(from_stage="archived").exists()


def test_only_launched_communities_send_email(db):
    launched = CommunityFactory()
    CommunityFactory(archived=True)
    CommunityFactory(planning=True)

    assert list(Community.objects.active_for_email()) == [launched]
