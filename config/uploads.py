"""Uploaded files: checked by their content, re-encoded, stored under random names and
served only through views that check who may see them.

What every upload goes through (covers, avatars, and later attachments):

- a per-file size cap, checked before anything is decoded;
- an allow-list by content type, decided by what the bytes are (Pillow opens them),
  never by the file's name or the type the browser claims;
- images are decoded and encoded again in one fixed format, which drops metadata
  (EXIF with GPS positions, comments, embedded profiles) and anything hidden after the
  image data; an image with too many pixels (a decompression bomb) is refused before
  it is decoded;
- a random storage name (`<random>.<ext>` in the field's folder), so nothing can be found by
  guessing; the original name is kept only to offer it back in a safe
  Content-Disposition;
- storage through Django's storage API (the model field's storage);
- `stored_file_response` serves the file with its fixed content type,
  `X-Content-Type-Options: nosniff`, a Content-Disposition built by Django and
  `Cache-Control: private`, after the caller's view has checked the door.
"""

from __future__ import annotations

import io
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format names and the content types they stand for.
IMAGE_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
OUTPUT_EXTENSIONS = {"WEBP": "webp", "PNG": "png", "JPEG": "jpg"}


@dataclass(frozen=True)
class ImagePolicy:
    """What one kind of image upload accepts and how it is stored."""

    prefix: str
    max_bytes: int = 5 * 1024 * 1024
    # Refused before decoding: width × height of the upload.
    max_pixels: int = 40_000_000
    # The stored image fits in this box (aspect ratio kept, never enlarged).
    max_size: tuple[int, int] = (2400, 2400)
    content_types: frozenset[str] = field(default_factory=lambda: frozenset(IMAGE_TYPES.values()))
    output_format: str = "WEBP"

    @property
    def content_type(self) -> str:
        return IMAGE_TYPES[self.output_format]

    @property
    def accept(self) -> str:
        """For the file input's `accept` attribute (a hint to the browser, not a check)."""
        return ",".join(sorted(self.content_types))


def cover_policy() -> ImagePolicy:
    from django.conf import settings

    return ImagePolicy(
        prefix="covers", max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_size=(2400, 1200)
    )


def avatar_policy() -> ImagePolicy:
    from django.conf import settings

    return ImagePolicy(
        prefix="avatars", max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_size=(512, 512)
    )


@dataclass(frozen=True)
class CleanUpload:
    """An upload that passed: new content under a random name, and what it was called."""

    content: ContentFile
    original_name: str
    content_type: str
    # Where to store it when saving through a storage directly; a model's file field
    # puts `content.name` into its own `upload_to` folder instead.
    path: str


def random_name(extension: str) -> str:
    """`<random>.<extension>`: unguessable, and nothing of the uploader's name."""
    return f"{secrets.token_urlsafe(18)}.{extension}"


def safe_original_name(name: str, *, fallback: str = "file") -> str:
    """The last part of an uploaded file's name, without control characters, for showing
    back and for Content-Disposition (Django encodes it there)."""
    base = PurePath(str(name).replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"/\\')
    return cleaned.strip(" .")[:150] or fallback


def check_size(upload: UploadedFile, max_bytes: int) -> None:
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s; files can be at most %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )


def clean_image(upload: UploadedFile, policy: ImagePolicy) -> CleanUpload:
    """Check `upload` against `policy` and return it re-encoded, or raise ValidationError
    with a message for the person who uploaded it."""
    check_size(upload, policy.max_bytes)
    allowed = ", ".join(
        sorted(fmt for fmt, kind in IMAGE_TYPES.items() if kind in policy.content_types)
    )
    not_an_image = ValidationError(
        _("This file is not an image we can use. Upload a %(formats)s image.")
        % {"formats": allowed},
        code="not_an_image",
    )
    upload.seek(0)
    data = upload.read(policy.max_bytes + 1)
    image = None
    try:
        with warnings.catch_warnings():
            # Pillow warns about very large images before it refuses them: refuse at once.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if IMAGE_TYPES.get(image.format or "") not in policy.content_types:
                raise not_an_image
            width, height = image.size
            if width * height > policy.max_pixels:
                raise _too_many_pixels(width, height, policy)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        size = image.size if image is not None else (0, 0)
        raise _too_many_pixels(*size, policy) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    encoded = _encode(image, policy)
    original = safe_original_name(upload.name or "", fallback="image")
    stem = PurePath(original).stem or "image"
    extension = OUTPUT_EXTENSIONS[policy.output_format]
    name = random_name(extension)
    return CleanUpload(
        content=ContentFile(encoded, name=name),
        original_name=f"{stem}.{extension}",
        content_type=policy.content_type,
        path=f"{policy.prefix}/{name}",
    )


def _too_many_pixels(width: int, height: int, policy: ImagePolicy) -> ValidationError:
    if not width:
        return ValidationError(
            _("This image has too many pixels to process. Upload one of at most %(mp)d megapixels.")
            % {"mp": policy.max_pixels // 1_000_000},
            code="too_many_pixels",
        )
    return ValidationError(
        _(
            "This image is %(width)d × %(height)d pixels, too large to process. Upload a "
            "smaller one (at most %(megapixels)d megapixels)."
        )
        % {"width": width, "height": height, "megapixels": policy.max_pixels // 1_000_000},
        code="too_many_pixels",
    )


def _encode(image: Image.Image, policy: ImagePolicy) -> bytes:
    # The first frame only; turned as the camera meant; then only pixels are kept.
    image.seek(0)
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    keep_alpha = has_alpha and policy.output_format != "JPEG"
    image = image.convert("RGBA" if keep_alpha else "RGB")
    image.thumbnail(policy.max_size, Image.Resampling.LANCZOS)
    pixels = Image.new(image.mode, image.size)
    pixels.paste(image)
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 85} if policy.output_format != "PNG" else {}
    pixels.save(out, format=policy.output_format, **options)
    return out.getvalue()


class _CurrentFile:
    """What the file input says is there now: a name for people, and the served address."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __str__(self) -> str:
        return str(gettext_lazy("current image"))


class ImageUploadInput(forms.ClearableFileInput):
    """Django's file input with "clear", linking the current file through its view
    (`current_url`, set by the form) rather than to a storage path."""

    current_url = ""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _CurrentFile(self.current_url)
        return context


def _upload_help(max_bytes: int) -> str:
    return _("PNG, JPEG, GIF or WebP, at most %(limit)s.") % {"limit": filesizeformat(max_bytes)}


# Forms declare their fields once, at import: the help text is worded when it is shown,
# in the language of that page.
upload_help = lazy(_upload_help, str)


class ImageUploadField(forms.FileField):
    """A form field that returns the upload re-encoded under a random name (a
    ContentFile for the model's file field), or False when "clear" was ticked."""

    default_error_messages = {
        "contradiction": gettext_lazy("Upload a new image or tick “Clear”, not both."),
    }

    def __init__(self, *, policy: ImagePolicy, **kwargs: Any) -> None:
        self.policy = policy
        kwargs.setdefault("widget", ImageUploadInput(attrs={"accept": policy.accept}))
        kwargs.setdefault("help_text", upload_help(policy.max_bytes))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            return clean_image(value, self.policy).content
        return value


def stored_file_response(
    file: FieldFile, *, content_type: str, download_name: str, as_attachment: bool = False
) -> FileResponse:
    """Serve a stored upload the caller's view has already checked the viewer may see.

    The content type is the one the upload was re-encoded to, never a guess from the
    name; browsers must not sniff another; the name offered is sanitised and encoded by
    Django. Only the viewer's browser may cache it: who may see it can change.
    `as_attachment` makes the browser download it rather than show it (every file that
    is not one of our re-encoded images).
    """
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment, safe_original_name(download_name)
    )
    response["Cache-Control"] = "private, max-age=3600"
    # Nothing served here ever runs script, even when opened on its own.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


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
