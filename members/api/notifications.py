"""The member's notifications through the API: the inbox's reads and writes."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api import (
    KeysetPaginator,
    StrictBooleanField,
    StrictIntegerField,
    TokenScopePermission,
    cursor_parameter,
    page_of,
    responses,
)

from .. import notifications
from ..models import Notification

ORDERING = ("-created_at", "-pk")


class NotificationSerializer(serializers.ModelSerializer):
    headline = serializers.SerializerMethodField(
        help_text="What happened; null once you may no longer see what it is about."
    )
    excerpt = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "headline", "excerpt", "url", "is_read", "created_at", "read_at"]
        read_only_fields = fields

    def get_headline(self, n: Notification) -> str | None:
        return notifications.headline(n) if n.can_see else None

    def get_excerpt(self, n: Notification) -> str:
        return notifications.excerpt(n) if n.can_see else ""

    def get_url(self, n: Notification) -> str | None:
        return self.context["request"].build_absolute_uri(n.url) if n.can_see and n.url else None

    def get_is_read(self, n: Notification) -> bool:
        return n.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )
    all = StrictBooleanField(
        default=False, help_text="Mark every notification read; otherwise those in `ids`."
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many changed from unread to read.")


@extend_schema(
    operation_id="notifications_list",
    summary="Your notifications, newest first",
    parameters=[
        cursor_parameter(),
        OpenApiParameter("unread", bool, description="Only the unread ones."),
    ],
    responses=responses({200: page_of("NotificationPage", NotificationSerializer)}),
    tags=["notifications"],
)
@api_view(["GET"])
@permission_classes([IsAuthenticated, TokenScopePermission])
def notification_list(request):
    rows = notifications.with_visibility(
        Notification.objects.filter(recipient=request.user), request.user
    )
    unread = request.query_params.get("unread")
    if unread not in (None, "true", "false"):
        raise exceptions.ValidationError({"unread": [_("Say true or false.")]})
    if unread == "true":
        rows = rows.filter(read_at__isnull=True)
    rows = rows.select_related("actor", "post__community", "community").order_by(*ORDERING)
    paginator = KeysetPaginator(request, size=settings.API_PAGE_SIZE)
    found, cursor = paginator.page(rows, ORDERING)
    data = NotificationSerializer(found, many=True, context={"request": request}).data
    return paginator.response(data, cursor)


@extend_schema(
    operation_id="notifications_mark_read",
    summary="Mark notifications read",
    request=MarkReadSerializer,
    responses=responses({200: MarkedSerializer}, 400, 403),
    tags=["notifications"],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated, TokenScopePermission])
def notifications_mark_read(request):
    serializer = MarkReadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    ids = "all" if data["all"] else data.get("ids", [])
    return Response({"marked": notifications.mark_read(user=request.user, ids=ids)})
