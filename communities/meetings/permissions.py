"""Who may do what with meetings. Each rule is one `check_*` function that raises
PermissionDenied; the yes/no forms come from `config.permissions.can`.

Seeing a meeting at all is scoping (querysets.py: the community's `readable_by`);
these rules are about acting. Each takes the viewer's membership in the meeting's
community (any status, or None), as the door in `shortcuts.py` returns it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Membership
from communities.permissions import membership_of

from .models import Audience, Insight, Meeting

if TYPE_CHECKING:
    from members.models import User

__all__ = [
    "check_can_attend",
    "check_can_decide_insight",
    "check_can_edit_meeting",
    "check_can_rsvp",
    "check_can_schedule_meeting",
    "check_can_see_place",
    "check_can_view_attendees",
    "check_can_write_notes",
    "membership_of",
]

TEAM_ROLES = (Membership.Role.FACILITATOR, Membership.Role.CORE)


def _is_active(membership: Membership | None) -> bool:
    return bool(membership and membership.status == Membership.Status.ACTIVE)


def _is_team(membership: Membership | None) -> bool:
    return _is_active(membership) and membership.role in TEAM_ROLES


def check_can_schedule_meeting(
    user: User, community: Community, *, membership: Membership | None
) -> None:
    """Facilitators and core members schedule meetings; archived communities are quiet."""
    if not user.is_authenticated or not _is_team(membership):
        raise PermissionDenied(_("Only facilitators and core members schedule meetings."))
    if community.is_archived:
        raise PermissionDenied(_("This community is archived."))


def check_can_edit_meeting(user: User, meeting: Meeting, *, membership: Membership | None) -> None:
    """Moving, editing and cancelling: the same people who schedule."""
    check_can_schedule_meeting(user, meeting.community, membership=membership)


def check_can_attend(user: User, meeting: Meeting, *, membership: Membership | None) -> None:
    """Members attend; a meeting open to guests also welcomes any signed-in reader of a
    public community. Banned people never attend."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to answer."))
    if membership and membership.status == Membership.Status.BANNED:
        raise PermissionDenied(_("You can no longer take part in this community."))
    if _is_active(membership):
        return
    community = meeting.community
    is_public = community.visibility == Community.Visibility.PUBLIC
    if meeting.audience == Audience.GUESTS and is_public and community.is_launched:
        return
    raise PermissionDenied(_("This meeting is for members of the community."))


def check_can_rsvp(user: User, meeting: Meeting, *, membership: Membership | None) -> None:
    """Answering yes, maybe or no: people who may attend, before the meeting ends."""
    check_can_attend(user, meeting, membership=membership)
    if meeting.is_cancelled:
        raise PermissionDenied(_("This meeting was cancelled."))
    if meeting.ends_at <= timezone.now():
        raise PermissionDenied(_("This meeting is over."))
    if meeting.community.is_archived:
        raise PermissionDenied(_("This community is archived."))


def check_can_see_place(user: User, meeting: Meeting, *, membership: Membership | None) -> None:
    """The room or video link: for people who may attend, and the team."""
    if _is_team(membership):
        return
    check_can_attend(user, meeting, membership=membership)


def check_can_view_attendees(
    user: User, meeting: Meeting, *, membership: Membership | None
) -> None:
    """Who is coming is for members of the community (and site staff)."""
    if _is_active(membership) or (user.is_authenticated and user.is_staff):
        return
    raise PermissionDenied(_("The attendee list is for members."))


def check_can_write_notes(user: User, meeting: Meeting, *, membership: Membership | None) -> None:
    """Notes and harvesting: the team, or the note-taker they chose while still a member."""
    if _is_team(membership) and not meeting.community.is_archived:
        return
    if (
        user.is_authenticated
        and meeting.note_taker_id == user.pk
        and _is_active(membership)
        and not meeting.community.is_archived
    ):
        return
    raise PermissionDenied(_("Only the facilitators and the note-taker write the notes."))


def check_can_decide_insight(user: User, insight: Insight) -> None:
    """Only the person an insight is attributed to publishes it under their name."""
    if not user.is_authenticated or insight.person_id != user.pk:
        raise PermissionDenied(_("Only the person who brought this insight can decide."))
    if insight.status != Insight.Status.PROPOSED:
        raise PermissionDenied(_("This insight was already decided."))
