"""Meeting pages: parse, scope through the door, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communities.access import community_context
from config.htmx import add_service_error, error_text, is_fragment
from config.permissions import can
from config.uploads import redirects_for_upload_script
from members.feed_tokens import (
    FeedPurpose,
    feed_token_for,
    feed_token_owner,
    feed_token_regenerate,
)
from practices import attachments
from practices.forms.posts import AttachmentsForm

from . import ical, services
from .forms import (
    InsightConfirmForm,
    InsightForm,
    MeetingEditForm,
    MeetingScheduleForm,
    NotesForm,
    ReminderSettingsForm,
)
from .models import Insight, Meeting, ReminderPreference, Rsvp
from .permissions import (
    check_can_decide_insight,
    check_can_edit_meeting,
    check_can_rsvp,
    check_can_schedule_meeting,
    check_can_see_place,
    check_can_view_attendees,
    check_can_write_notes,
)
from .recurrence import describe
from .selectors import (
    community_meetings,
    meeting_attendees,
    meeting_outcomes,
    my_meetings,
    rsvp_statuses,
)
from .shortcuts import get_meeting, get_readable_community

LIST_UPCOMING = 20
LIST_PAST = 10
FEED_PAST_DAYS = 90


def _posted(request):
    return request.POST if request.method == "POST" else None


def _login_redirect(request):
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


def _team_door(request, slug):
    """The community for people who schedule; 404 for non-readers, 403 for readers."""
    community, membership = get_readable_community(request, slug)
    check_can_schedule_meeting(request.user, community, membership=membership)
    return community, membership


def _member_queryset(community):
    return (
        get_user_model()
        .objects.filter(memberships__community=community, memberships__status="active")
        .order_by("display_name")
    )


# --- Lists ---------------------------------------------------------------------------


@require_GET
def community_list(request, slug):
    community, membership = get_readable_community(request, slug)
    upcoming, past = community_meetings(community, upcoming=LIST_UPCOMING, past=LIST_PAST)
    statuses = rsvp_statuses(request.user, [m.pk for m in upcoming])
    return render(
        request,
        "meetings/meeting_list.html",
        community_context(
            request.user,
            community,
            membership,
            tab="meetings",
            upcoming=upcoming,
            past=past,
            statuses=statuses,
            can_schedule=can(
                check_can_schedule_meeting, request.user, community, membership=membership
            ),
        ),
    )


@login_required
@require_GET
def mine(request):
    upcoming = my_meetings(request.user, limit=50)
    return render(
        request,
        "meetings/meeting_mine.html",
        {
            "upcoming": upcoming,
            "statuses": rsvp_statuses(request.user, [m.pk for m in upcoming]),
        },
    )


# --- One meeting ---------------------------------------------------------------------


def _detail_context(request, meeting, membership, **extra) -> dict:
    user = request.user
    can_view_attendees = can(check_can_view_attendees, user, meeting, membership=membership)
    rsvp = (
        Rsvp.objects.filter(meeting=meeting, user=user).first() if user.is_authenticated else None
    )
    return community_context(
        request.user,
        meeting.community,
        membership,
        tab="meetings",
        meeting=meeting,
        rsvp=rsvp,
        series_rule=describe(meeting.series.rrule) if meeting.series_id else "",
        viewer_zone=user.time_zone if user.is_authenticated else None,
        can_rsvp=can(check_can_rsvp, user, meeting, membership=membership),
        can_see_place=can(check_can_see_place, user, meeting, membership=membership),
        can_edit=can(check_can_edit_meeting, user, meeting, membership=membership)
        and not meeting.is_cancelled,
        can_write_notes=can(check_can_write_notes, user, meeting, membership=membership),
        can_view_attendees=can_view_attendees,
        attendees=meeting_attendees(meeting) if can_view_attendees else None,
        outcomes=meeting_outcomes(meeting, user),
        notes_files=list(attachments.attached_to_meeting(meeting)),
        **extra,
    )


@require_GET
def detail(request, slug, pk):
    meeting, membership = get_meeting(request, slug, pk)
    return render(
        request, "meetings/meeting_detail.html", _detail_context(request, meeting, membership)
    )


@login_required
@require_POST
def rsvp(request, slug, pk):
    meeting, membership = get_meeting(request, slug, pk)
    answer = request.POST.get("answer", "")
    try:
        answered = services.rsvp_set(meeting=meeting, user=request.user, answer=answer)
    except (PermissionDenied, ValidationError) as error:
        if is_fragment(request):
            raise PermissionDenied(error_text(error)) from error
        messages.error(request, error_text(error))
        return redirect(meeting)
    meeting.refresh_from_db()
    if is_fragment(request):
        return render(
            request,
            "meetings/meeting_detail.html#rsvp",
            _detail_context(request, meeting, membership),
        )
    text = {
        Rsvp.Status.GOING: _("See you there."),
        Rsvp.Status.WAITING: _("The meeting is full: you are on the waiting list."),
        Rsvp.Status.MAYBE: _("Noted: maybe."),
        Rsvp.Status.DECLINED: _("Noted: you are not coming."),
    }[answered.status]
    messages.success(request, text)
    return redirect(meeting)


def schedule(request, slug):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    community, membership = _team_door(request, slug)
    last = community.meetings.order_by("-created_at").only("time_zone").first()
    initial = {"time_zone": str(last.time_zone if last else request.user.time_zone)}
    form = MeetingScheduleForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(
                community=community,
                by=request.user,
                data=form.meeting_data(),
                starts_local=form.starts_local(),
                time_zone=form.cleaned_data["time_zone"],
                rule=form.cleaned_data["rule"],
                exdates=form.exdates(),
                invite=form.cleaned_data["invite"],
            )
        except ValidationError as error:
            _service_error(form, error)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        community_context(
            request.user, community, membership, tab="meetings", form=form, meeting=None
        ),
    )


def _service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and "starts_local" in error.error_dict:
        form.add_error("date", error.error_dict.pop("starts_local"))
        if not error.error_dict:
            return
    add_service_error(form, error)


def edit(request, slug, pk):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    meeting, membership = get_meeting(request, slug, pk)
    check_can_edit_meeting(request.user, meeting, membership=membership)
    if meeting.is_cancelled:
        messages.error(request, _("A cancelled meeting cannot be changed."))
        return redirect(meeting)
    local = meeting.starts_local
    initial = {
        "title": meeting.title,
        "agenda": meeting.agenda,
        "place": meeting.place,
        "capacity": meeting.capacity,
        "audience": meeting.audience,
        "duration_minutes": meeting.duration_minutes,
        "date": local.date(),
        "time": local.time().replace(tzinfo=None),
        "scope": "this",
    }
    form = MeetingEditForm(_posted(request), initial=initial, in_series=bool(meeting.series_id))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_update(
                meeting=meeting,
                by=request.user,
                data=form.meeting_data(),
                starts_local=form.starts_local(),
                scope=form.cleaned_data.get("scope", "this"),
            )
        except ValidationError as error:
            _service_error(form, error)
        else:
            messages.success(request, _("The meeting is updated; those who answered are told."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        community_context(
            request.user,
            meeting.community,
            membership,
            tab="meetings",
            form=form,
            meeting=meeting,
        ),
    )


@login_required
@require_POST
def cancel(request, slug, pk):
    meeting, membership = get_meeting(request, slug, pk)
    check_can_edit_meeting(request.user, meeting, membership=membership)
    services.meeting_cancel(meeting=meeting, by=request.user)
    messages.success(request, _("The meeting is cancelled; those who said yes are told."))
    return redirect(meeting)


# --- Notes and harvest ---------------------------------------------------------------


@redirects_for_upload_script
def notes(request, slug, pk):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    meeting, membership = get_meeting(request, slug, pk)
    check_can_write_notes(request.user, meeting, membership=membership)
    community = meeting.community
    is_team = can(check_can_edit_meeting, request.user, meeting, membership=membership)
    members = _member_queryset(community)
    form = NotesForm(
        _posted(request) if "notes" in request.POST else None,
        initial={"notes": meeting.notes, "note_taker": meeting.note_taker},
        members=members,
        can_choose_note_taker=is_team,
    )
    # Files go with the notes; those that pass are kept when the notes come back with
    # a problem, and attached when they are saved.
    files = AttachmentsForm(
        _posted(request) if form.is_bound else None,
        request.FILES if form.is_bound else None,
        user=request.user,
        existing=attachments.attached_to_meeting(meeting),
    )
    files_valid = files.check_and_keep()
    insight_form = InsightForm(
        _posted(request) if "title" in request.POST else None, members=members
    )
    if request.method == "POST" and form.is_bound and form.is_valid() and files_valid:
        try:
            with transaction.atomic():
                services.meeting_notes_save(
                    meeting=meeting,
                    by=request.user,
                    notes=form.cleaned_data["notes"],
                    note_taker=form.cleaned_data.get("note_taker", meeting.note_taker),
                )
                for attachment in files.existing:
                    if attachment.pk in files.removed:
                        attachments.attachment_remove(attachment=attachment, by=request.user)
                attachments.attachments_attach_to_meeting(
                    attachments=files.pending, meeting=meeting, by=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The notes are saved."))
            return redirect("meetings:notes", community.slug, meeting.pk)
    if request.method == "POST" and insight_form.is_bound and insight_form.is_valid():
        data = insight_form.cleaned_data
        try:
            insight = services.insight_propose(
                meeting=meeting,
                by=request.user,
                person=data["person"],
                kind=data["kind"],
                data=data,
            )
        except ValidationError as error:
            add_service_error(insight_form, error)
        else:
            messages.success(
                request,
                _("%(name)s is asked to confirm before it is published under their name.")
                % {"name": insight.person.display_name},
            )
            return redirect("meetings:notes", community.slug, meeting.pk)
    return render(
        request,
        "meetings/meeting_notes.html",
        community_context(
            request.user,
            community,
            membership,
            tab="meetings",
            meeting=meeting,
            form=form,
            files=files,
            insight_form=insight_form,
            insights=meeting.insights.select_related("person", "post").order_by("pk"),
        ),
    )


def insight(request, pk):
    """The person an insight is attributed to confirms, corrects or declines it."""
    if not request.user.is_authenticated:
        return _login_redirect(request)
    found = get_object_or_404(
        Insight.objects.filter(person=request.user).select_related(
            "meeting__community", "proposed_by", "post"
        ),
        pk=pk,
    )
    can_decide = can(check_can_decide_insight, request.user, found)
    initial = {f: getattr(found, f) for f in InsightConfirmForm.base_fields}
    form = InsightConfirmForm(
        _posted(request) if request.POST.get("action") == "publish" else None,
        initial=initial,
        kind=found.kind,
    )
    if request.method == "POST" and can_decide:
        try:
            if request.POST.get("action") == "decline":
                services.insight_decline(insight=found, by=request.user)
                messages.success(request, _("Declined: nothing is published under your name."))
                return redirect(found.meeting)
            if form.is_valid():
                post = services.insight_confirm(
                    insight=found, by=request.user, data=form.cleaned_data
                )
                messages.success(request, _("Published under your name."))
                return redirect(post)
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            messages.error(request, error_text(error))
    return render(
        request,
        "meetings/insight_confirm.html",
        {"insight": found, "form": form, "can_decide": can_decide},
    )


# --- Calendars -----------------------------------------------------------------------


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def meeting_ics(request, slug, pk):
    meeting, membership = get_meeting(request, slug, pk)
    place = can(check_can_see_place, request.user, meeting, membership=membership)
    return _ics_response(ical.meeting_bytes(meeting, show_place=place), f"meeting-{meeting.pk}.ics")


@require_GET
def series_ics(request, slug, pk):
    meeting, membership = get_meeting(request, slug, pk)
    if not meeting.series_id:
        raise Http404
    rows = (
        Meeting.objects.visible_to(request.user)
        .filter(series_id=meeting.series_id)
        .select_related("community", "series")
    )
    place = can(check_can_see_place, request.user, meeting, membership=membership)
    content = ical.calendar_bytes(rows, show_place=lambda m: place, name=meeting.series.title)
    return _ics_response(content, f"series-{meeting.series_id}.ics")


def _feed(meetings, owner, name: str) -> HttpResponse:
    from .permissions import membership_of

    memberships = {}

    def show_place(meeting):
        if meeting.community_id not in memberships:
            memberships[meeting.community_id] = membership_of(owner, meeting.community)
        membership = memberships[meeting.community_id]
        return can(check_can_see_place, owner, meeting, membership=membership)

    response = HttpResponse(
        ical.calendar_bytes(meetings, show_place=show_place, name=name),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_window():
    return timezone.now() - timezone.timedelta(days=FEED_PAST_DAYS)


@require_GET
def feed_mine(request, token):
    """ "My meetings" for a calendar program: the token is the authorisation, and the
    content is what its owner may see now (leaving a community empties it)."""
    owner = feed_token_owner(token=token, purpose=FeedPurpose.CALENDAR)
    if owner is None:
        raise Http404
    meetings = (
        Meeting.objects.for_member(owner)
        .filter(ends_at__gte=_feed_window())
        .select_related("community", "series")
        .order_by("starts_at")
    )
    return _feed(meetings, owner, _("My meetings on Practica"))


@require_GET
def feed_community(request, token, slug):
    """A community's calendar for one of its members; empty once they are not one.

    A slug the owner may not see gives the same empty calendar as one that does not
    exist, so the address reveals nothing about hidden communities.
    """
    from communities.models import Community

    owner = feed_token_owner(token=token, purpose=FeedPurpose.CALENDAR)
    if owner is None:
        raise Http404
    community = Community.objects.visible_to(owner).only("pk", "name").filter(slug=slug).first()
    meetings = (
        Meeting.objects.for_member(owner)
        .filter(community=community, ends_at__gte=_feed_window())
        .select_related("community", "series")
        .order_by("starts_at")
        if community
        else Meeting.objects.none()
    )
    return _feed(meetings, owner, community.name if community else _("Meetings"))


@login_required
def calendar_settings(request):
    """Secret calendar addresses (regenerate to revoke) and reminder choices."""
    preference = ReminderPreference.objects.filter(user=request.user).first()
    preference = preference or ReminderPreference(user=request.user)
    form = ReminderSettingsForm(
        request.POST if request.POST.get("action") == "reminders" else None, instance=preference
    )
    if request.method == "POST":
        if request.POST.get("action") == "regenerate":
            feed_token_regenerate(user=request.user, purpose=FeedPurpose.CALENDAR)
            messages.success(request, _("New addresses made: the old ones no longer work."))
            return redirect("meetings:settings")
        if request.POST.get("action") == "regenerate_news":
            feed_token_regenerate(user=request.user, purpose=FeedPurpose.POSTS)
            messages.success(
                request, _("New news feed addresses made: the old ones no longer work.")
            )
            return redirect("meetings:settings")
        if form.is_bound and form.is_valid():
            form.save()
            messages.success(request, _("Your reminder choices are saved."))
            return redirect("meetings:settings")
    token = feed_token_for(user=request.user, purpose=FeedPurpose.CALENDAR).token
    news_token = feed_token_for(user=request.user, purpose=FeedPurpose.POSTS).token
    from communities.models import Membership

    memberships = Membership.objects.of_member(request.user)
    return render(
        request,
        "meetings/calendar_settings.html",
        {
            "form": form,
            "mine_url": request.build_absolute_uri(reverse("meetings:feed_mine", args=[token])),
            "community_feeds": [
                (
                    m.community,
                    request.build_absolute_uri(
                        reverse("meetings:feed_community", args=[token, m.community.slug])
                    ),
                )
                for m in memberships
            ],
            "news_feeds": [
                (
                    m.community,
                    request.build_absolute_uri(
                        reverse(
                            "practices:member_feed",
                            args=[news_token, m.community.slug, "experiences", "atom"],
                        )
                    ),
                )
                for m in memberships
            ],
        },
    )
