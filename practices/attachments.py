"""Files on posts, comments and meeting notes: what is accepted, how it is stored, and
the writes.

What a file is, is decided by its bytes, never by its name or the type the browser
claims: the name only says which check applies, and a file whose content is not what
its name says is refused.

- images (PNG, JPEG, GIF, WebP): opened by Pillow and encoded again without metadata,
  plus a thumbnail (config/uploads.py `clean_image`, which also refuses decompression
  bombs);
- PDF: starts with the `%PDF-` signature and ends with the `%%EOF` trailer;
- text, CSV and Markdown: valid UTF-8 without NUL bytes;
- Word, Excel and PowerPoint (.docx, .xlsx, .pptx): a ZIP archive whose
  `[Content_Types].xml` names the right main part, refused when it would unpack to
  more than `ZIP_MAX_UNCOMPRESSED` bytes.

Everything is stored under a random name; files are served only by
`practices.views.attachments`, after the door of the post or the meeting they are on.
Their text is not indexed by search.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.meetings.permissions import check_can_write_notes, membership_of
from config.permissions import can
from config.uploads import ImagePolicy, clean_image, random_name, safe_original_name

from .models import Attachment, Comment, Post

if TYPE_CHECKING:
    from communities.meetings.models import Meeting
    from members.models import User

IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "webp"}
TEXT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}
PDF_TYPE = "application/pdf"
# Office Open XML: the file's content type, and the main part its [Content_Types].xml
# must name (a macro-enabled document names another one, and is refused).
OFFICE_TYPES = {
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
# A document that would unpack to more than this (or has more parts) is a zip bomb.
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_MEMBERS = 10_000
# The PDF trailer sits at the very end, give or take a line break or some padding.
PDF_TRAILER_WINDOW = 2048

KIND_NAMES = {
    "pdf": gettext_lazy("PDF"),
    "text": gettext_lazy("text"),
    "docx": gettext_lazy("Word"),
    "xlsx": gettext_lazy("Excel"),
    "pptx": gettext_lazy("PowerPoint"),
}
# For the file input's `accept` attribute: a hint to the browser, not a check.
ACCEPT = ",".join(
    f".{extension}" for extension in (*sorted(IMAGE_EXTENSIONS), "pdf", *TEXT_TYPES, *OFFICE_TYPES)
)


@dataclass(frozen=True)
class Limits:
    """Per file, and per post or comment: how many files and how many bytes in all."""

    max_bytes: int
    max_files: int
    max_total_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.ATTACHMENT_MAX_BYTES,
            max_files=settings.ATTACHMENT_MAX_FILES,
            max_total_bytes=settings.ATTACHMENT_MAX_TOTAL_BYTES,
        )


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: what to store under a random name, and what it was."""

    content: ContentFile
    thumbnail: ContentFile | None
    original_name: str
    content_type: str
    kind: str

    @property
    def size(self) -> int:
        return self.content.size


def accepted_types_text() -> str:
    return _(
        "attach images (PNG, JPEG, GIF, WebP), PDF, text, CSV or Markdown files, or Word, "
        "Excel and PowerPoint documents (.docx, .xlsx, .pptx)"
    )


def _image_policy(max_bytes: int) -> ImagePolicy:
    return ImagePolicy(prefix="attachments", max_bytes=max_bytes, max_size=(2400, 2400))


def _thumbnail_policy() -> ImagePolicy:
    # Made from our own re-encoding (at most 2400 × 2400), never from the upload: no
    # size cap of its own is needed beyond a generous one.
    return ImagePolicy(
        prefix="attachments/thumbnails", max_bytes=64 * 1024 * 1024, max_size=(480, 480)
    )


def check_file(upload: UploadedFile, *, limits: Limits | None = None) -> CheckedFile:
    """Check one upload by its content; return it ready to store, or raise a
    ValidationError whose message names the file and says what to do."""
    limits = limits or Limits.from_settings()
    name = safe_original_name(upload.name or "", fallback="file")
    extension = PurePath(name).suffix.lower().lstrip(".")
    accepted = extension in IMAGE_EXTENSIONS or extension in TEXT_TYPES
    if not accepted and extension != "pdf" and extension not in OFFICE_TYPES:
        raise ValidationError(
            _("%(name)s is not a type we accept: %(accepted)s.")
            % {"name": name, "accepted": accepted_types_text()},
            code="type",
        )
    if upload.size is None or upload.size > limits.max_bytes:
        raise ValidationError(
            _("%(name)s is %(size)s; files can be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size or 0),
                "limit": filesizeformat(limits.max_bytes),
            },
            code="too_large",
        )
    if extension in IMAGE_EXTENSIONS:
        return _check_image(upload, name, limits)
    upload.seek(0)
    data = upload.read(limits.max_bytes + 1)
    if extension == "pdf":
        family, content_type = "pdf", PDF_TYPE
        valid = _is_pdf(data)
    elif extension in TEXT_TYPES:
        family, content_type = "text", TEXT_TYPES[extension]
        valid = _is_text(data)
    else:
        family, (content_type, main_part) = extension, OFFICE_TYPES[extension]
        valid = _is_office(data, main_part)
    if not valid:
        raise ValidationError(
            _(
                "%(name)s is not what its name says: its content is not a %(kind)s file. "
                "Attach the original file."
            )
            % {"name": name, "kind": KIND_NAMES[family]},
            code="mismatch",
        )
    return CheckedFile(
        content=ContentFile(data, name=random_name(extension)),
        thumbnail=None,
        original_name=name,
        content_type=content_type,
        kind=Attachment.Kind.FILE,
    )


def _check_image(upload: UploadedFile, name: str, limits: Limits) -> CheckedFile:
    try:
        image = clean_image(upload, _image_policy(limits.max_bytes))
    except ValidationError as error:
        raise ValidationError(
            _("%(name)s: %(problem)s") % {"name": name, "problem": " ".join(error.messages)},
            code=error.error_list[0].code,
        ) from None
    thumbnail = clean_image(image.content, _thumbnail_policy())
    image.content.seek(0)
    stem = PurePath(name).stem or "image"
    return CheckedFile(
        content=image.content,
        thumbnail=thumbnail.content,
        original_name=f"{stem}.{PurePath(image.original_name).suffix.lstrip('.')}",
        content_type=image.content_type,
        kind=Attachment.Kind.IMAGE,
    )


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_TRAILER_WINDOW:]


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_office(data: bytes, main_part: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                return False
            if sum(member.file_size for member in members) > ZIP_MAX_UNCOMPRESSED:
                return False
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > 1024 * 1024:
                return False
            listed = archive.read(types).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, ValueError):
        return False
    return re.search(rf'ContentType="{re.escape(main_part)}"', listed) is not None


def check_room(*, existing: list[int], adding: list[int], limits: Limits | None = None) -> None:
    """Raise a ValidationError when files of sizes `adding`, next to those already
    there (`existing`), would go over the number or total size one post may carry."""
    limits = limits or Limits.from_settings()
    count = len(existing) + len(adding)
    if count > limits.max_files:
        raise ValidationError(
            _("At most %(limit)d files can be attached; this would make %(count)d.")
            % {"limit": limits.max_files, "count": count},
            code="too_many",
        )
    total = sum(existing) + sum(adding)
    if total > limits.max_total_bytes:
        raise ValidationError(
            _("The files together would be %(total)s; at most %(limit)s can be attached.")
            % {
                "total": filesizeformat(total),
                "limit": filesizeformat(limits.max_total_bytes),
            },
            code="too_much",
        )


# --- reads -----------------------------------------------------------------------------


# Uploaded, not attached to anything yet, not removed.
PENDING = Q(post__isnull=True, meeting__isnull=True, removed_at__isnull=True)


def shown() -> QuerySet[Attachment]:
    """The files shown where they are attached: on a post or in a meeting's notes
    (pending uploads are no one's to see) and not removed. Whoever may read the post (or
    the comment, or the meeting) sees them; callers reach those through their doors
    first."""
    return Attachment.objects.filter(
        Q(post__isnull=False) | Q(meeting__isnull=False), removed_at__isnull=True
    )


def attached_to(post: Post, comment: Comment | None = None) -> QuerySet[Attachment]:
    """The files shown on `post` itself (or on `comment`), oldest first."""
    return shown().filter(post=post, comment=comment)


def with_shown_attachments(objects: Iterable[Post] | Iterable[Comment]) -> None:
    """Set `shown_attachments` on each of `objects` (posts already reached through the
    door, or comments of one): for a post the files on the post itself, not those on
    its comments; oldest first. One query for all of them."""
    objects = list(objects)
    if not objects:
        return
    files = shown().order_by("created_at", "pk")
    if isinstance(objects[0], Post):
        files = files.filter(comment__isnull=True)
    else:
        files = files.select_related("post")  # for each file's shown name
    prefetch_related_objects(
        objects, Prefetch("attachments", queryset=files, to_attr="shown_attachments")
    )


def attached_to_meeting(meeting: Meeting) -> QuerySet[Attachment]:
    """The files of `meeting`'s notes, oldest first."""
    return shown().filter(meeting=meeting)


def pending_of(user: User, ids: Iterable[str | int]) -> QuerySet[Attachment]:
    """`user`'s own uploads among `ids` that are not attached to anything yet."""
    clean_ids = [int(i) for i in ids if str(i).isdigit()]
    return Attachment.objects.filter(PENDING, pk__in=clean_ids, uploader=user).order_by(
        "created_at", "pk"
    )


def sizes(attachments: Iterable[Attachment]) -> list[int]:
    return [attachment.size for attachment in attachments]


# --- writes ----------------------------------------------------------------------------


def attachment_upload(*, uploader: User, checked: CheckedFile) -> Attachment:
    """Store a checked file as `uploader`'s pending upload, attached to nothing yet
    (it is attached with the post or comment it was sent with)."""
    attachment = Attachment(
        uploader=uploader,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        kind=checked.kind,
    )
    attachment.file.save(checked.content.name, checked.content, save=False)
    if checked.thumbnail is not None:
        attachment.thumbnail.save(checked.thumbnail.name, checked.thumbnail, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachments_attach(
    *, attachments: list[Attachment], post: Post, comment: Comment | None = None, by: User
) -> int:
    """Attach `by`'s pending uploads to `post` (or to its `comment`).

    Only the author of what they are attached to attaches, and only their own uploads
    still pending; the limits per post or comment hold. Returns how many were attached.
    """
    author_id = comment.author_id if comment is not None else post.author_id
    if by.pk != author_id:
        raise PermissionDenied(_("Only the author can attach files here."))
    if comment is not None and comment.post_id != post.pk:
        raise PermissionDenied(_("This comment is not on this post."))
    return _attach(attachments, by, attached_to(post, comment), post=post, comment=comment)


@transaction.atomic
def attachments_attach_to_meeting(
    *, attachments: list[Attachment], meeting: Meeting, by: User
) -> int:
    """Attach `by`'s pending uploads to `meeting`'s notes: those who may write the notes
    attach files to them, within the same limits as a post."""
    check_can_write_notes(by, meeting, membership=membership_of(by, meeting.community))
    return _attach(attachments, by, attached_to_meeting(meeting), meeting=meeting)


def _attach(attachments: list[Attachment], by: User, existing: QuerySet, **place) -> int:
    ids = [attachment.pk for attachment in attachments]
    if not ids:
        return 0
    # Locked, so that the cleanup cannot delete an upload while it is being attached.
    adding = list(Attachment.objects.select_for_update().filter(PENDING, pk__in=ids, uploader=by))
    check_room(existing=sizes(existing), adding=sizes(adding))
    for attachment in adding:
        for field, value in place.items():
            setattr(attachment, field, value)
        attachment.save(update_fields=list(place))
    return len(adding)


@transaction.atomic
def attachment_add(
    *, post: Post, comment: Comment | None = None, uploader: User, checked: CheckedFile
) -> Attachment:
    """Store a checked file and attach it to `post` (or its `comment`) at once."""
    attachment = attachment_upload(uploader=uploader, checked=checked)
    attachments_attach(attachments=[attachment], post=post, comment=comment, by=uploader)
    attachment.refresh_from_db()
    return attachment


def attachment_remove(*, attachment: Attachment, by: User) -> None:
    """Take a file off its post, comment or meeting notes: it is no longer shown or
    served, and the periodic cleanup deletes the stored file. Its uploader removes it;
    a file in a meeting's notes also whoever may write those notes."""
    if by.pk != attachment.uploader_id and not (
        attachment.meeting_id is not None
        and can(
            check_can_write_notes,
            by,
            attachment.meeting,
            membership=membership_of(by, attachment.meeting.community),
        )
    ):
        raise PermissionDenied(_("Only the person who attached a file can remove it."))
    if attachment.removed_at is None:
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])


def attachments_remove_orphans(*, now: datetime | None = None) -> int:
    """Delete removed attachments, and pending uploads older than
    ATTACHMENT_PENDING_HOURS, with their stored files; then stored attachment files
    that no row refers to any more (their post or comment was deleted outright) and
    that are older than that. Returns the number of files deleted.

    Safe to run twice, or in two workers at once: each row is deleted with a
    conditional DELETE before its files, and a file already gone is no error.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ATTACHMENT_PENDING_HOURS)
    orphaned = Q(post__isnull=True, meeting__isnull=True, created_at__lt=cutoff) | Q(
        removed_at__isnull=False
    )
    deleted = 0
    for attachment in Attachment.objects.filter(orphaned).iterator(chunk_size=200):
        claimed, _rows = Attachment.objects.filter(orphaned, pk=attachment.pk).delete()
        if not claimed:
            continue
        for field in (attachment.file, attachment.thumbnail):
            if field.name:
                field.storage.delete(field.name)
                deleted += 1
    deleted += _remove_unreferenced_files("attachments", cutoff)
    return deleted


def _remove_unreferenced_files(folder: str, cutoff: datetime) -> int:
    storage = default_storage
    deleted = 0
    for name in _stored_names(storage, folder):
        referenced = Attachment.objects.filter(Q(file=name) | Q(thumbnail=name)).exists()
        if referenced or storage.get_modified_time(name) >= cutoff:
            continue
        storage.delete(name)
        deleted += 1
    return deleted


def _stored_names(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(storage, f"{folder}/{sub}")
