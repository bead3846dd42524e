"""Meetings through the API: the meetings' door, rules and RSVP service."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from config.api import (
    KeysetPaginator,
    ascending_page,
    checked_cursor,
    cursor_parameter,
    page_of,
    responses,
)
from config.permissions import can

from .. import services
from ..models import Meeting, Rsvp
from ..permissions import check_can_see_place
from ..selectors import rsvp_statuses
from ..shortcuts import get_meeting, get_readable_community


class MeetingSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    time_zone = serializers.CharField(read_only=True, help_text="An IANA time zone name.")
    your_answer = serializers.SerializerMethodField(
        help_text="going, waiting, maybe or declined; null before you answer."
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "title",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "time_zone",
            "status",
            "audience",
            "capacity",
            "going_count",
            "your_answer",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, meeting: Meeting) -> str:
        return self.context["request"].build_absolute_uri(meeting.get_absolute_url())

    def get_your_answer(self, meeting: Meeting) -> str | None:
        return self.context.get("answers", {}).get(meeting.pk)


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.CharField(read_only=True)
    place = serializers.SerializerMethodField(
        help_text="The room or link: for people who may attend, and the team."
    )

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda", "place"]
        read_only_fields = fields

    def get_place(self, meeting: Meeting) -> str | None:
        return meeting.place if self.context.get("can_see_place") else None


class RsvpWriteSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Rsvp.Answer.choices)


class RsvpSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="going, waiting, maybe or declined.")
    going_count = serializers.IntegerField()


@extend_schema(
    operation_id="meetings_list",
    summary="A community's meetings",
    parameters=[
        OpenApiParameter("when", str, enum=["upcoming", "past"], description="Default upcoming."),
        cursor_parameter(),
    ],
    responses=responses({200: page_of("MeetingPage", MeetingSerializer)}),
    tags=["meetings"],
)
@api_view(["GET"])
def meeting_list(request, slug: str):
    community, _membership = get_readable_community(request, slug)
    meetings = Meeting.objects.visible_to(request.user).filter(community=community)
    meetings = meetings.select_related("community")
    paginator = KeysetPaginator(request, size=settings.API_PAGE_SIZE)
    when = request.query_params.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        raise exceptions.ValidationError({"when": [_("Say upcoming or past.")]})
    if when == "past":
        rows, cursor = paginator.page(meetings.past(), ("-starts_at", "-pk"))
    else:
        rows, cursor = ascending_page(
            meetings.upcoming(),
            field="starts_at",
            cursor=checked_cursor(request),
            size=paginator.size,
        )
    context = {"request": request, "answers": rsvp_statuses(request.user, [m.pk for m in rows])}
    return paginator.response(MeetingSerializer(rows, many=True, context=context).data, cursor)


@extend_schema(
    operation_id="meetings_retrieve",
    summary="One meeting",
    responses=responses({200: MeetingDetailSerializer}),
    tags=["meetings"],
)
@api_view(["GET"])
def meeting_detail(request, slug: str, pk: int):
    meeting, membership = get_meeting(request, slug, pk)
    context = {
        "request": request,
        "answers": rsvp_statuses(request.user, [meeting.pk]),
        "can_see_place": can(check_can_see_place, request.user, meeting, membership=membership),
    }
    return Response(MeetingDetailSerializer(meeting, context=context).data)


@extend_schema(
    operation_id="meetings_rsvp",
    summary="Answer yes, maybe or no",
    request=RsvpWriteSerializer,
    responses=responses({200: RsvpSerializer}, 400, 403),
    tags=["meetings"],
)
@api_view(["POST"])
def meeting_rsvp(request, slug: str, pk: int):
    meeting, _membership = get_meeting(request, slug, pk)
    serializer = RsvpWriteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    rsvp = services.rsvp_set(
        meeting=meeting, user=request.user, answer=serializer.validated_data["answer"]
    )
    going = Meeting.objects.values_list("going_count", flat=True).get(pk=meeting.pk)
    return Response({"status": rsvp.status, "going_count": going})
