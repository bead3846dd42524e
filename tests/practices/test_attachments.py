"""Files on posts and comments: checked by their content, images stored without their
metadata, a form that comes back with a problem loses nothing, files are served only
through the door, and the cleanup removes what was never attached."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from communities import services as community_services
from practices import attachments
from practices.models import Attachment, Comment, Post
from practices.tasks import remove_orphaned_attachments
from tests.builders import add_member
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

GPS_SECRET = "zq-whiteboard-at-home-52.52N"
LIMITS = attachments.Limits(max_bytes=200_000, max_files=3, max_total_bytes=300_000)


def jpeg_with_gps() -> bytes:
    """A real photo with an EXIF GPS block (and a description) to be stripped."""
    image = Image.new("RGB", (300, 200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = GPS_SECRET  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(text: str = "Handover checklist") -> bytes:
    """A small but real PDF: one page, one line of text, with its cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def padded_pdf(size: int) -> bytes:
    """A real PDF of exactly `size` bytes (a comment line before the trailer)."""
    data = pdf_bytes()
    head, tail = data[: -len(b"%%EOF\n")], b"%%EOF\n"
    return head + b"%" + b"x" * (size - len(data) - 2) + b"\n" + tail


def docx_bytes(main="wordprocessingml.document.main+xml", padding: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            f'application/vnd.openxmlformats-officedocument.{main}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>" + " " * padding)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- by content, not by name -----------------------------------------------------------


def test_a_photo_is_re_encoded_without_its_gps_position_and_gets_a_thumbnail():
    original = jpeg_with_gps()
    assert GPS_SECRET.encode() in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    checked = attachments.check_file(upload("Whiteboard.JPG", original), limits=LIMITS)

    data = checked.content.read()
    assert GPS_SECRET.encode() not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "WEBP" and stored.size == (300, 200)
    assert not stored.getexif()
    assert checked.kind == Attachment.Kind.IMAGE
    assert checked.content_type == "image/webp"
    assert checked.original_name == "Whiteboard.webp"
    assert "Whiteboard" not in checked.content.name
    thumbnail = Image.open(io.BytesIO(checked.thumbnail.read()))
    assert max(thumbnail.size) <= 480


def test_a_real_pdf_is_accepted_as_it_is():
    data = pdf_bytes()
    checked = attachments.check_file(upload("checklist.pdf", data), limits=LIMITS)
    assert checked.content_type == "application/pdf"
    assert checked.kind == Attachment.Kind.FILE
    assert checked.content.read() == data
    assert checked.content.name.endswith(".pdf") and "checklist" not in checked.content.name


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("slides.pdf", b"<html><script>alert(1)</script></html>", "slides.pdf is not what"),
        ("slides.pdf", b"MZ\x90\x00" + b"\x00" * 200, "its content is not a PDF file"),
        ("slides.pdf", b"%PDF-1.4\n<html>never finished", "not a PDF file"),
        ("notes.txt", b"plain\x00text", "its content is not a text file"),
        ("notes.csv", "ward;beds\n4;30".encode("utf-16"), "not a text file"),
        ("plan.docx", b"PK\x03\x04 not really a zip", "not a Word file"),
        ("plan.docx", docx_bytes(main="wordprocessingml.document.macroEnabled.main+xml"), "Word"),
        ("photo.png", b"<svg onload='alert(1)'/>", "photo.png: This file is not an image"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, data, message):
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.check_file(upload(name, data, content_type="application/pdf"), limits=LIMITS)
    assert message in " ".join(refused.value.messages)


def test_a_type_we_do_not_accept_is_refused_by_name_with_what_we_accept():
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.check_file(upload("report.exe", b"MZ\x90\x00"), limits=LIMITS)
    message = refused.value.messages[0]
    assert message.startswith("report.exe is not a type we accept: attach images")
    assert "PDF" in message


def test_text_csv_markdown_and_office_documents_are_accepted():
    for name, data in (
        ("notes.txt", "Übergabe am Bett".encode()),
        ("beds.csv", b"ward,beds\n4,30\n"),
        ("README.md", b"# Checklist\n- [ ] beds"),
        ("plan.docx", docx_bytes()),
    ):
        checked = attachments.check_file(upload(name, data), limits=LIMITS)
        assert checked.content.read() == data, name
    assert checked.content_type.endswith("wordprocessingml.document")


def test_a_zip_bomb_dressed_as_a_document_is_refused():
    bomb = docx_bytes(padding=201 * 1024 * 1024)
    limits = attachments.Limits(max_bytes=1_000_000, max_files=1, max_total_bytes=1_000_000)
    assert len(bomb) < limits.max_bytes
    with pytest.raises(attachments.ValidationError, match="not a Word file"):
        attachments.check_file(upload("plan.docx", bomb), limits=limits)


def test_an_oversized_file_is_refused_with_its_size_and_the_limit():
    big = upload("slides.pdf", padded_pdf(256_000))
    with pytest.raises(attachments.ValidationError) as refused:
        attachments.check_file(big, limits=LIMITS)
    message = refused.value.messages[0].replace("\xa0", " ")
    assert message == "slides.pdf is 250.0 KB; files can be at most 195.3 KB."


def test_the_limits_per_post_count_what_is_attached_already():
    attachments.check_room(existing=[100_000], adding=[100_000, 100_000], limits=LIMITS)
    with pytest.raises(attachments.ValidationError, match="At most 3 files"):
        attachments.check_room(existing=[1, 1], adding=[1, 1], limits=LIMITS)
    with pytest.raises(attachments.ValidationError, match="together would be"):
        attachments.check_room(existing=[200_000], adding=[150_000], limits=LIMITS)


# --- the forms -------------------------------------------------------------------------


def _create_url(community):
    return reverse("practices:create", args=[community.slug, "experience"])


POST = {
    "title": "Bedside handover",
    "tried": "A checklist at the bedside",
    "happened": "Fewer questions after the handover",
    "outcome": "worked",
    "learned": "Show the checklist",
    "action": "publish",
}


def test_a_post_is_published_with_an_image_and_a_pdf(client, community):
    author = add_member(community).user
    client.force_login(author)
    response = client.post(
        _create_url(community),
        {**POST, "files": [upload("board.jpg", jpeg_with_gps()), upload("list.pdf", pdf_bytes())]},
    )
    post = Post.objects.get(title="Bedside handover")
    assert response.status_code == 302
    files = list(post.attachments.order_by("pk"))
    assert [(a.original_name, a.kind) for a in files] == [
        ("board.webp", "image"),
        ("list.pdf", "file"),
    ]
    assert all(a.uploader == author and a.comment is None for a in files)
    with files[0].file.open("rb") as stored:
        assert GPS_SECRET.encode() not in stored.read()
    with files[1].file.open("rb") as stored:
        assert stored.read() == pdf_bytes()

    page = client.get(post.get_absolute_url())
    html = page.content.decode()
    assert f'src="{files[0].thumbnail_url}"' in html
    assert f'href="{files[0].get_absolute_url()}"' in html
    assert "list.pdf" in html and "PDF document" in html


def test_an_oversized_file_keeps_what_was_typed_and_the_files_that_passed(
    client, community, settings
):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024
    author = add_member(community).user
    client.force_login(author)
    big = upload("slides.pdf", padded_pdf(14 * 1024))
    response = client.post(
        _create_url(community), {**POST, "files": [upload("list.pdf", pdf_bytes()), big]}
    )
    assert response.status_code == 200
    html = response.content.decode().replace("\xa0", " ")
    assert "slides.pdf is 14.0 KB; files can be at most 10.0 KB." in html
    assert 'value="Bedside handover"' in html and "A checklist at the bedside" in html
    assert not Post.objects.filter(title="Bedside handover").exists()
    # The file that passed is kept, ticked, and attached when the form is sent again.
    kept = Attachment.objects.get(original_name="list.pdf")
    assert kept.post is None and kept.uploader == author
    assert f'name="pending" value="{kept.pk}"' in html

    client.post(_create_url(community), {**POST, "pending": [str(kept.pk)]})
    kept.refresh_from_db()
    assert kept.post == Post.objects.get(title="Bedside handover")


def test_too_many_files_are_refused_and_nobody_attaches_another_persons_upload(
    client, community, settings
):
    settings.ATTACHMENT_MAX_FILES = 2
    author = add_member(community).user
    client.force_login(author)
    response = client.post(
        _create_url(community),
        {**POST, "files": [upload(f"{n}.txt", b"note") for n in range(3)]},
    )
    assert "At most 2 files can be attached; this would make 3." in response.content.decode()
    assert not Post.objects.exists()

    theirs = attachments.attachment_upload(
        uploader=UserFactory(),
        checked=attachments.check_file(upload("theirs.txt", b"x"), limits=LIMITS),
    )
    client.post(_create_url(community), {**POST, "pending": [str(theirs.pk)]})
    theirs.refresh_from_db()
    assert theirs.post is None
    assert Post.objects.get().attachments.count() == 0


def test_editing_removes_a_file_and_adds_another(client, community):
    author = add_member(community).user
    post = PostFactory(community=community, author=author)
    first = attachments.attachment_add(
        post=post,
        uploader=author,
        checked=attachments.check_file(upload("old.txt", b"old"), limits=LIMITS),
    )
    client.force_login(author)
    edit = reverse("practices:edit", args=[community.slug, post.pk])
    assert f'name="remove" value="{first.pk}"' in client.get(edit).content.decode()
    client.post(
        edit,
        {
            "title": post.title,
            "tried": "x",
            "happened": "y",
            "learned": "z",
            "outcome": "worked",
            "action": "publish",
            "remove": [str(first.pk)],
            "files": [upload("new.csv", b"a,b\n1,2\n")],
        },
    )
    first.refresh_from_db()
    assert first.removed_at is not None
    assert [a.original_name for a in attachments.attached_to(post)] == ["new.csv"]
    assert client.get(first.get_absolute_url()).status_code == 404


def test_a_comment_carries_files(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    writer = add_member(community).user
    client.force_login(writer)
    client.post(
        reverse("practices:comment_create", args=[community.slug, post.pk]),
        {"body": "Our template", "files": [upload("template.md", b"# Template")]},
    )
    comment = Comment.objects.get(body="Our template")
    attachment = comment.attachments.get()
    assert attachment.post == post and attachment.uploader == writer
    html = client.get(post.get_absolute_url()).content.decode()
    assert attachment.get_absolute_url() in html


# --- served through the door -----------------------------------------------------------


def _attached(post, name="list.pdf", data=None, comment=None):
    return attachments.attachment_add(
        post=post,
        comment=comment,
        uploader=comment.author if comment else post.author,
        checked=attachments.check_file(upload(name, data or pdf_bytes()), limits=LIMITS),
    )


def test_a_pdf_downloads_under_its_name_with_headers_that_keep_it_inert(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    pdf = _attached(post, name='Check "list"\n.pdf')
    response = client.get(pdf.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Check list.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_image_is_shown_inline_and_its_thumbnail_too(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    image = _attached(post, name="board.png", data=png_bytes())
    for url in (image.get_absolute_url(), image.thumbnail_url):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_members_only_file_is_a_404_to_outsiders_and_to_former_members(
    client, private_community, outsider
):
    member = add_member(private_community)
    post = PostFactory(community=private_community, author=member.user)
    pdf = _attached(post)
    url = pdf.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    reader = add_member(private_community)
    client.force_login(reader.user)
    assert client.get(url).status_code == 200
    community_services.membership_leave(membership=reader)
    assert client.get(url).status_code == 404


def test_a_hidden_post_hides_its_files_from_members_not_from_its_facilitators(
    client, community, facilitator
):
    post = PostFactory(community=community, author=add_member(community).user)
    pdf = _attached(post)
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
    client.force_login(add_member(community).user)
    assert client.get(pdf.get_absolute_url()).status_code == 404
    client.force_login(facilitator)
    assert client.get(pdf.get_absolute_url()).status_code == 200
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DELETED)
    assert client.get(pdf.get_absolute_url()).status_code == 404


def test_a_comments_file_follows_the_comment(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    comment = Comment.objects.create(post=post, author=add_member(community).user, body="See")
    pdf = _attached(post, comment=comment)
    reader = add_member(community).user
    client.force_login(reader)
    assert client.get(pdf.get_absolute_url()).status_code == 200
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.DELETED)
    assert client.get(pdf.get_absolute_url()).status_code == 404


def test_pending_and_removed_files_are_no_ones_to_fetch(client, community):
    author = add_member(community).user
    pending = attachments.attachment_upload(
        uploader=author, checked=attachments.check_file(upload("a.txt", b"a"), limits=LIMITS)
    )
    post = PostFactory(community=community, author=author)
    removed = _attached(post)
    attachments.attachment_remove(attachment=removed, by=author)
    client.force_login(author)
    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.get(removed.get_absolute_url()).status_code == 404


# --- the cleanup -----------------------------------------------------------------------


def test_the_cleanup_deletes_old_pending_uploads_removed_files_and_unreferenced_files(
    community, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)  # only this test's files
    settings.ATTACHMENT_PENDING_HOURS = 24
    author = add_member(community).user
    post = PostFactory(community=community, author=author)
    kept = _attached(post, name="kept.png", data=png_bytes())
    removed = _attached(post, name="gone.png", data=png_bytes())
    attachments.attachment_remove(attachment=removed, by=author)
    fresh = attachments.attachment_upload(
        uploader=author, checked=attachments.check_file(upload("new.txt", b"n"), limits=LIMITS)
    )
    stale = attachments.attachment_upload(
        uploader=author, checked=attachments.check_file(upload("old.txt", b"o"), limits=LIMITS)
    )
    Attachment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=25))
    # A file whose row went with a post deleted outright.
    cascaded = _attached(PostFactory(community=community, author=author), name="x.txt", data=b"x")
    Attachment.objects.filter(pk=cascaded.pk).delete()
    storage = kept.file.storage
    assert storage.exists(cascaded.file.name)

    later = timezone.now() + timedelta(hours=25)
    # Fresh files (younger than the cutoff) without a row are left for now.
    assert attachments.attachments_remove_orphans() == 3
    assert storage.exists(cascaded.file.name)
    deleted = attachments.attachments_remove_orphans(now=later)

    assert deleted == 2  # the fresh upload, now old too, and the cascaded file
    assert list(Attachment.objects.values_list("pk", flat=True)) == [kept.pk]
    assert storage.exists(kept.file.name) and storage.exists(kept.thumbnail.name)
    for gone in (removed.file, removed.thumbnail, stale.file, fresh.file, cascaded.file):
        assert not storage.exists(gone.name)
    # Safe to run twice.
    assert remove_orphaned_attachments() == 0
    assert remove_orphaned_attachments.name == "practices.remove_orphaned_attachments"
    assert "practices.remove_orphaned_attachments" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_a_form_sent_by_the_upload_script_gets_its_redirect_as_a_header(client, community):
    client.force_login(add_member(community).user)
    response = client.post(
        _create_url(community),
        {**POST, "files": [upload("list.pdf", pdf_bytes())]},
        HTTP_X_UPLOAD_PROGRESS="1",
    )
    post = Post.objects.get(title="Bedside handover")
    assert response.status_code == 204
    assert response["X-Upload-Location"] == post.get_absolute_url()
    # The confirmation waits for the page the script then opens.
    page = client.get(response["X-Upload-Location"]).content.decode()
    assert "Published. Thank you for sharing." in page


def test_the_post_page_fetches_every_file_it_shows_in_one_query(client, community):
    """Files on the post and on each comment cost the page one query, however many."""
    author = add_member(community).user
    bare, busy = (PostFactory(community=community, author=author) for _ in range(2))
    for post in (bare, busy):
        Comment.objects.create(post=post, author=author, body="First")
    for n in range(3):
        comment = Comment.objects.create(post=busy, author=author, body=f"With a file {n}")
        _attached(busy, name=f"plan-{n}.pdf")
        _attached(busy, name=f"note-{n}.txt", data=b"note", comment=comment)
    client.force_login(add_member(community).user)
    client.get(bare.get_absolute_url())  # the session and the language settle

    counts = []
    for post in (bare, busy):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(post.get_absolute_url()).content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert html.count('class="attachments__file"') == 6


def test_a_comment_with_a_refused_file_keeps_the_text_and_the_file_that_passed(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    writer = add_member(community).user
    client.force_login(writer)
    url = reverse("practices:comment_create", args=[community.slug, post.pk])
    response = client.post(
        url,
        {
            "body": "Our template",
            "files": [upload("template.md", b"# Template"), upload("tool.exe", b"MZ")],
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "tool.exe is not a type we accept" in html
    assert "Our template</textarea>" in html
    kept = Attachment.objects.get(original_name="template.md", uploader=writer)
    assert f'name="pending" value="{kept.pk}"' in html
    assert not Comment.objects.filter(body="Our template").exists()

    client.post(url, {"body": "Our template", "pending": [str(kept.pk)]}, HTTP_HX_REQUEST="true")
    kept.refresh_from_db()
    assert kept.comment == Comment.objects.get(body="Our template")


# --- replies and edited comments -----------------------------------------------------------


def test_a_reply_carries_files_and_a_refused_one_keeps_its_text_under_its_thread(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    thread = Comment.objects.create(post=post, author=post.author, body="How do you print it?")
    writer = add_member(community).user
    client.force_login(writer)
    # The reply form is loaded next to the comment form: its file field has its own id.
    html = client.get(
        post.get_absolute_url(), {"reply": thread.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'name="reply-files"' in html and 'id="id_reply-files"' in html
    assert 'enctype="multipart/form-data"' in html
    page = client.get(post.get_absolute_url(), {"reply": thread.pk}).content.decode()
    assert page.count('id="id_reply-files"') == 1 and page.count('id="id_files"') == 1

    url = reverse("practices:comment_create", args=[community.slug, post.pk])
    response = client.post(
        url,
        {
            "body": "Ours is weekly",
            "parent": thread.pk,
            "reply-files": [upload("rota.csv", b"day,who\nMon,Ana\n"), upload("run.exe", b"MZ")],
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "run.exe is not a type we accept" in html
    reply_form = html[html.index(f'id="reply-form-{thread.pk}"') :]
    assert "Ours is weekly</textarea>" in reply_form
    kept = Attachment.objects.get(original_name="rota.csv", uploader=writer)
    assert f'name="pending" value="{kept.pk}"' in reply_form
    assert not Comment.objects.filter(parent=thread).exists()

    client.post(
        url,
        {"body": "Ours is weekly", "parent": thread.pk, "pending": [str(kept.pk)]},
        HTTP_HX_REQUEST="true",
    )
    reply = Comment.objects.get(parent=thread)
    kept.refresh_from_db()
    assert kept.comment == reply and kept.post == post
    assert kept.get_absolute_url() in client.get(post.get_absolute_url()).content.decode()


def test_editing_a_comment_adds_and_removes_its_files(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    writer = add_member(community).user
    comment = Comment.objects.create(post=post, author=writer, body="Our template")
    old = _attached(post, name="old.pdf", comment=comment)
    client.force_login(writer)
    edit = reverse("practices:comment_edit", args=[comment.pk])
    page = client.get(edit).content.decode()
    assert f'name="remove" value="{old.pk}"' in page and 'enctype="multipart/form-data"' in page
    # The short form under the comment links to the page that changes the files.
    assert f'href="{edit}">Change files</a>' in client.get(post.get_absolute_url()).content.decode()

    response = client.post(
        edit,
        {
            "body": "Our template, version 2",
            "remove": [str(old.pk)],
            "files": [upload("v2.md", b"# v2")],
        },
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    old.refresh_from_db()
    assert comment.body == "Our template, version 2" and old.removed_at is not None
    assert [a.original_name for a in attachments.attached_to(post, comment)] == ["v2.md"]

    # Text sent alone (the short form) leaves the files as they are.
    client.post(edit, {"body": "Our template, version 3"}, HTTP_HX_REQUEST="true")
    assert [a.original_name for a in attachments.attached_to(post, comment)] == ["v2.md"]


def test_an_edited_comment_with_a_refused_file_keeps_the_text_and_changes_nothing(
    client, community
):
    post = PostFactory(community=community, author=add_member(community).user)
    writer = add_member(community).user
    comment = Comment.objects.create(post=post, author=writer, body="Our template")
    old = _attached(post, name="old.pdf", comment=comment)
    client.force_login(writer)
    edit = reverse("practices:comment_edit", args=[comment.pk])
    response = client.post(
        edit,
        {"body": "A better template", "remove": [str(old.pk)], "files": [upload("x.exe", b"MZ")]},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "x.exe is not a type we accept" in html
    assert "A better template</textarea>" in html
    # What was ticked for removal stays ticked; nothing was removed or saved.
    assert f'value="{old.pk}" id="remove-attachment-{old.pk}" checked' in html
    comment.refresh_from_db()
    old.refresh_from_db()
    assert comment.body == "Our template" and old.removed_at is None


def test_only_the_author_changes_a_comments_files(client, community):
    post = PostFactory(community=community, author=add_member(community).user)
    writer = add_member(community).user
    comment = Comment.objects.create(post=post, author=writer, body="Our template")
    old = _attached(post, name="old.pdf", comment=comment)
    client.force_login(add_member(community).user)
    response = client.post(
        reverse("practices:comment_edit", args=[comment.pk]),
        {"body": "Mine now", "remove": [str(old.pk)]},
    )
    assert response.status_code in (403, 404)
    old.refresh_from_db()
    assert old.removed_at is None
