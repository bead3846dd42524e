"""Small helpers the community pages share."""

from __future__ import annotations

from taggit.models import Tag


def posted_data(request):
    """The submitted data for a bound form, even when every field was left empty."""
    return request.POST if request.method == "POST" else None


def tag_named(slug: str, known: list[Tag]) -> Tag:
    """The tag to show as the active filter, without another query."""
    return next((t for t in known if t.slug == slug), None) or Tag(slug=slug, name=slug)
