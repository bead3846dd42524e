"""After a meeting: notes, and insights that become posts under their bringer's name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Membership
from config.tasks import task_publish_on_commit

from ..models import Insight, Meeting
from ..permissions import check_can_decide_insight, check_can_write_notes, membership_of

if TYPE_CHECKING:
    from members.models import User
    from practices.models import Post

INSIGHT_FIELDS = {
    "experience": ("title", "situation", "tried", "happened", "learned"),
    "challenge": ("title", "situation", "help_wanted"),
}


@transaction.atomic
def meeting_notes_save(
    *, meeting: Meeting, by: User, notes: str, note_taker: User | None = None
) -> Meeting:
    """Save the notes. Only the team may choose the note-taker (an active member)."""
    membership = membership_of(by, meeting.community)
    check_can_write_notes(by, meeting, membership=membership)
    meeting.notes = notes
    meeting.notes_updated_at = timezone.now()
    fields = ["notes", "notes_updated_at"]
    is_team = membership and membership.is_active and membership.role != Membership.Role.MEMBER
    if is_team and note_taker != meeting.note_taker:
        if (
            note_taker is not None
            and not Membership.objects.filter(
                community=meeting.community, user=note_taker, status=Membership.Status.ACTIVE
            ).exists()
        ):
            raise ValidationError({"note_taker": _("The note-taker must be a member.")})
        meeting.note_taker = note_taker
        fields.append("note_taker")
    meeting.save(update_fields=fields)
    return meeting


@transaction.atomic
def insight_propose(*, meeting: Meeting, by: User, person: User, kind: str, data: dict) -> Insight:
    """Draft an insight attributed to `person`, who is asked to confirm it. Nothing is
    published under anyone's name until they do."""
    check_can_write_notes(by, meeting, membership=membership_of(by, meeting.community))
    if kind not in INSIGHT_FIELDS:
        raise ValidationError({"kind": _("Choose an experience or a challenge.")})
    if not Membership.objects.filter(
        community=meeting.community, user=person, status=Membership.Status.ACTIVE
    ).exists():
        raise ValidationError({"person": _("Attribute the insight to a member.")})
    if not str(data.get("title") or "").strip():
        raise ValidationError({"title": _("Give the insight a title.")})
    insight = Insight.objects.create(
        meeting=meeting,
        person=person,
        kind=kind,
        proposed_by=by,
        **{f: (data.get(f) or "").strip() for f in INSIGHT_FIELDS[kind]},
    )

    task_publish_on_commit("meetings.send_insight_request", insight.pk)
    return insight


@transaction.atomic
def insight_confirm(*, insight: Insight, by: User, data: dict) -> Post:
    """The person confirms (and may correct) the insight: it is published as their post,
    linked to the meeting. Their own rights to post in the community apply."""
    from practices import services as practice_services

    insight = (
        Insight.objects.select_for_update(of=("self",))
        .select_related("meeting__community")
        .get(pk=insight.pk)
    )
    check_can_decide_insight(by, insight)
    fields = {f: (data.get(f) or "").strip() for f in INSIGHT_FIELDS[insight.kind]}
    post = practice_services.post_create(
        community=insight.meeting.community,
        author=by,
        kind=insight.kind,
        data=fields,
        publish=True,
    )
    for name, value in fields.items():
        setattr(insight, name, value)
    insight.post = post
    insight.status = Insight.Status.PUBLISHED
    insight.decided_at = timezone.now()
    insight.save()
    return post


@transaction.atomic
def insight_decline(*, insight: Insight, by: User) -> Insight:
    """The person does not want this published under their name."""
    insight = Insight.objects.select_for_update().get(pk=insight.pk)
    check_can_decide_insight(by, insight)
    insight.status = Insight.Status.DECLINED
    insight.decided_at = timezone.now()
    insight.save(update_fields=["status", "decided_at"])
    return insight
