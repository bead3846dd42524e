"""The flags a meeting page shows come from the same check functions the services
enforce: for every role, what the page offers is exactly what the service allows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from communities.meetings import services
from communities.meetings.models import Rsvp
from tests.factories import MembershipFactory, StaffFactory, UserFactory
from tests.meetings.conftest import meeting_data, next_local

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "core", "facilitator", "banned", "staff"]


@pytest.fixture
def people(community, facilitator):
    return {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "member": MembershipFactory(community=community).user,
        "core": MembershipFactory(community=community, core=True).user,
        "facilitator": facilitator,
        "banned": MembershipFactory(community=community, banned=True).user,
        "staff": StaffFactory(),
    }


def allowed(call) -> bool:
    try:
        call()
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("audience", ["members", "guests"])
@pytest.mark.parametrize("role", ROLES)
def test_the_flags_shown_are_what_the_services_allow(
    client, community, schedule, people, role, audience
):
    meeting = schedule(audience=audience)
    user = people[role]
    if role != "anonymous":
        client.force_login(user)
    context = client.get(meeting.get_absolute_url()).context

    may_rsvp = allowed(lambda: services.rsvp_set(meeting=meeting, user=user, answer="yes"))
    may_write_notes = allowed(
        lambda: services.meeting_notes_save(meeting=meeting, by=user, notes="Notes")
    )
    may_edit = allowed(
        lambda: services.meeting_update(
            meeting=meeting, by=user, data=meeting_data(), starts_local=next_local(days=8)
        )
    )
    may_cancel = allowed(lambda: services.meeting_cancel(meeting=meeting, by=user))

    assert context["can_rsvp"] == may_rsvp
    assert context["can_write_notes"] == may_write_notes
    assert context["can_edit"] == may_edit == may_cancel
    assert may_rsvp == (
        role in ("member", "core", "facilitator")
        or (audience == "guests" and role in ("outsider", "staff"))
    )
    assert may_edit == (role in ("core", "facilitator"))
    assert Rsvp.objects.filter(meeting=meeting).count() == int(may_rsvp)
