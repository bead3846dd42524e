"""Answering a meeting: yes, maybe or no, with a waiting list when it is full."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.tasks import task_publish_on_commit

from ..models import Meeting, Rsvp
from ..permissions import check_can_attend, check_can_rsvp, membership_of

if TYPE_CHECKING:
    from members.models import User

ANSWERS = {"yes", "maybe", "no"}


def _recount(meeting: Meeting) -> int:
    going = Rsvp.objects.filter(meeting=meeting, status=Rsvp.Status.GOING).count()
    Meeting.objects.filter(pk=meeting.pk).update(going_count=going)
    meeting.going_count = going
    return going


@transaction.atomic
def rsvp_set(*, meeting: Meeting, user: User, answer: str) -> Rsvp:
    """Record `user`'s answer. A yes to a full meeting joins the waiting list; a place
    given up (no or maybe after yes) goes to the next person waiting.

    The meeting row is locked, so two people cannot take the last place at once.
    Answering the same twice changes nothing (a waiting yes keeps its place in line).
    """
    if answer not in ANSWERS:
        raise ValidationError(_("Answer yes, maybe or no."))
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meeting.pk)
    )
    check_can_rsvp(user, meeting, membership=membership_of(user, meeting.community))
    rsvp = Rsvp.objects.filter(meeting=meeting, user=user).first()
    previous = rsvp.status if rsvp else None
    now = timezone.now()
    if answer == "yes":
        if previous in (Rsvp.Status.GOING, Rsvp.Status.WAITING):
            return rsvp
        full = meeting.capacity is not None and _recount(meeting) >= meeting.capacity
        status = Rsvp.Status.WAITING if full else Rsvp.Status.GOING
    else:
        status = Rsvp.Status.MAYBE if answer == "maybe" else Rsvp.Status.DECLINED
    if rsvp is None:
        rsvp = Rsvp(meeting=meeting, user=user)
    rsvp.status = status
    rsvp.waiting_since = now if status == Rsvp.Status.WAITING else None
    rsvp.responded_at = now
    rsvp.save()
    _recount(meeting)
    if previous == Rsvp.Status.GOING and status != Rsvp.Status.GOING:
        waiting_list_promote(meeting=meeting)
    return rsvp


def waiting_list_promote(*, meeting: Meeting) -> list[Rsvp]:
    """Give free places to the people waiting longest who may still attend, and tell
    them by email. Call inside the transaction that freed the place."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meeting.pk)
    )
    if meeting.is_cancelled:
        return []
    promoted = []
    going = _recount(meeting)
    waiting = (
        Rsvp.objects.filter(meeting=meeting, status=Rsvp.Status.WAITING)
        .select_related("user")
        .order_by("waiting_since", "pk")
    )
    for rsvp in waiting:
        if meeting.capacity is not None and going >= meeting.capacity:
            break
        try:
            check_can_attend(
                rsvp.user, meeting, membership=membership_of(rsvp.user, meeting.community)
            )
        except PermissionDenied:
            continue
        Rsvp.objects.filter(pk=rsvp.pk).update(
            status=Rsvp.Status.GOING, waiting_since=None, responded_at=timezone.now()
        )
        rsvp.status = Rsvp.Status.GOING
        going += 1
        promoted.append(rsvp)
    _recount(meeting)
    if promoted:
        for rsvp in promoted:
            task_publish_on_commit("meetings.send_waiting_list_promotion", rsvp.pk)
    return promoted
