"""Files on posts, comments and meeting notes, served only to those who may read what
they are on."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from communities.meetings.shortcuts import get_meeting
from config.uploads import stored_file_response
from members.api.authentication import also_by_token

from .. import attachments
from ..access import access_comment, access_post
from ..models import Attachment


def _readable_attachment(request: HttpRequest, pk: int) -> Attachment:
    """The attachment `pk` if the viewer may read its post (or its comment), through the
    same door as the post page, or its meeting, through the meeting page's door; pending
    and removed files are no one's to fetch."""
    attachment = (
        attachments.shown().select_related("post__community", "meeting__community").filter(pk=pk)
    ).first()
    if attachment is None:
        raise Http404
    if attachment.meeting_id is not None:
        meeting = attachment.meeting
        get_meeting(request, meeting.community.slug, meeting.pk)
        return attachment
    post = attachment.post
    access_post(request.user, post.community.slug, post.pk, with_drafts=True)
    if attachment.comment_id is not None:
        comment, _membership = access_comment(request.user, attachment.comment_id)
        if comment.post_id != post.pk:
            raise Http404
    return attachment


@require_GET
@also_by_token
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as it was attached: images inline (they are our own re-encoding),
    everything else as a download under its original name. The API links here, so a
    personal access token works as well as the session."""
    found = _readable_attachment(request, pk)
    return stored_file_response(
        found.file,
        content_type=found.content_type,
        download_name=found.shown_name,
        as_attachment=not found.is_image,
    )


@require_GET
@also_by_token
def attachment_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _readable_attachment(request, pk)
    if not found.thumbnail:
        raise Http404
    return stored_file_response(
        found.thumbnail, content_type="image/webp", download_name=f"thumbnail-{found.pk}.webp"
    )
