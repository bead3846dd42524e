"""Communities through the API: the same door and scoped queryset as the pages."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from config.api import KeysetPaginator, cursor_parameter, page_of, responses

from ..access import access_community
from ..models import Community
from .serializers import CommunityDetailSerializer, CommunitySerializer

CURSOR = cursor_parameter()


@extend_schema(
    operation_id="communities_list",
    summary="Communities you can see",
    parameters=[CURSOR],
    responses=responses({200: page_of("CommunityPage", CommunitySerializer)}),
    tags=["communities"],
)
@api_view(["GET"])
def community_list(request):
    paginator = KeysetPaginator(request, size=settings.API_PAGE_SIZE)
    rows, cursor = paginator.page(
        Community.objects.visible_to(request.user).order_by("-pk"), ("-pk",)
    )
    data = CommunitySerializer(rows, many=True, context={"request": request}).data
    return paginator.response(data, cursor)


@extend_schema(
    operation_id="communities_retrieve",
    summary="One community, with your membership",
    responses=responses({200: CommunityDetailSerializer}),
    tags=["communities"],
)
@api_view(["GET"])
def community_detail(request, slug: str):
    community, membership = access_community(request.user, slug)
    context = {"request": request, "membership": membership}
    return Response(CommunityDetailSerializer(community, context=context).data)
