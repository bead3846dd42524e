"""A community's cover image, served only to those who may open its home page."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from config.uploads import cover_policy, stored_file_response

from ..access import access_community


@require_GET
def cover(request: HttpRequest, slug: str) -> HttpResponse:
    community, _membership = access_community(request.user, slug, to="see")
    if not community.cover_image:
        raise Http404
    return stored_file_response(
        community.cover_image,
        content_type=cover_policy().content_type,
        download_name=f"{community.slug}-cover.webp",
    )
