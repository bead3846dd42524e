"""The member's notifications through the API: the inbox's reads and writes."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.api import KeysetPaginator, TokenScopePermission, page_of, responses

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
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )
    all = serializers.BooleanField(default=False, help_text="Mark every notification read.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many changed from unread to read.")


@extend_schema(
    operation_id="notifications_list",
    summary="Your notifications, newest first",
    parameters=[
        OpenApiParameter("cursor", str, description="From the previous page's `next`."),
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
    if request.query_params.get("unread") in ("true", "1"):
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
    if not data["all"] and not data.get("ids"):
        raise exceptions.ValidationError({"ids": ["Name the notifications, or send all: true."]})
    ids = "all" if data["all"] else data["ids"]
    return Response({"marked": notifications.mark_read(user=request.user, ids=ids)})
