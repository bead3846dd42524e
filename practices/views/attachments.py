"""Files on posts and comments, served only to those who may read what they are on."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from config.uploads import stored_file_response
from members.api.authentication import also_by_token

from .. import attachments
from ..access import access_comment, access_post
from ..forms.posts import AttachmentsForm
from ..models import Attachment


def _readable_attachment(request: HttpRequest, pk: int) -> Attachment:
    """The attachment `pk` if the viewer may read its post (or its comment), through the
    same door as the post page; pending and removed files are no one's to fetch."""
    attachment = (
        Attachment.objects.select_related("post__community")
        .filter(pk=pk, post__isnull=False, removed_at__isnull=True)
        .first()
    )
    if attachment is None:
        raise Http404
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
        download_name=found.original_name,
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


def keep_uploads(user, form: AttachmentsForm) -> list[Attachment]:
    """Store the files of `form` that passed as `user`'s pending uploads, so that a form
    that comes back with a problem loses none of them: they are listed ticked and
    attached when it is sent again. Returns every pending upload of the form."""
    for checked in form.checked:
        form.pending.append(attachments.attachment_upload(uploader=user, checked=checked))
    form.checked = []
    return form.pending


def redirects_for_upload_script(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A form sent by static/js/attachments.js (to show its upload's progress) gets its
    redirect as a header, which the script follows: were the request to follow the
    redirect itself, the page it fetched would take the message meant for the person."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.headers.get("X-Upload-Progress") == "1" and isinstance(
            response, HttpResponseRedirect
        ):
            answer = HttpResponse(status=204)
            answer["X-Upload-Location"] = response["Location"]
            return answer
        return response

    return wrapped
