"""A member attaches a photo and a PDF to a new experience in chromium: a file over
the size cap is refused with its size named and everything typed kept; then the photo
shows as a thumbnail, the PDF in the file list, and it downloads as it was uploaded.
The post page with its files has no axe-core violations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from practices import attachments
from practices.models import Attachment, Post
from tests.browser.people import signed_in_context, snapshot
from tests.browser.test_accessibility import axe_violations
from tests.builders import add_member, launch_community
from tests.factories import UserFactory
from tests.practices.test_attachments import padded_pdf, pdf_bytes


def photo_bytes() -> bytes:
    image = Image.new("RGB", (900, 600), (240, 236, 226))
    for x in range(100, 800):
        for y in (150, 300, 450):
            image.putpixel((x, y), (29, 92, 87))
    exif = Image.Exif()
    exif[0x010E] = "taken-at-home"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.browser
def test_files_are_attached_to_a_new_post_shown_and_downloaded(
    live_server, transactional_db, open_as, browser, tmp_path, settings
):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    facilitator = UserFactory(display_name="Fay Facilitator")
    community = launch_community(
        facilitator, name="Safe handovers", visibility="members", without_posts=True
    )
    member = add_member(community, UserFactory(display_name="Mia Member")).user
    page = open_as(member, f"/c/{community.slug}/posts/new/experience/")
    refused_by_policy = []
    page.on(
        "console",
        lambda message: (
            refused_by_policy.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    page.get_by_label("Title").fill("Whiteboard handover")
    page.get_by_label("What I tried").fill("A whiteboard by the nurses' station.")
    page.get_by_label("What happened").fill("Everyone saw the open tasks at a glance.")
    page.get_by_label("It worked").check()
    page.get_by_label("What I learned").fill("Write it where people already look.")

    # Over the cap: refused with the size named; what was typed stays.
    big = tmp_path / "slides.pdf"
    big.write_bytes(padded_pdf(1536 * 1024))
    page.get_by_label("Files").set_input_files(str(big))
    # What the live region says and the progress bar shows while the upload runs.
    page.evaluate(
        """() => {
            window.uploadSaid = [];
            const status = document.querySelector("[data-upload-status]");
            const bar = document.querySelector("[data-upload-progress] progress");
            new MutationObserver(() => window.uploadSaid.push(status.textContent))
                .observe(status, {childList: true, characterData: true, subtree: true});
            new MutationObserver(() => { window.uploadBar = bar.value; })
                .observe(bar, {attributes: true});
            window.uploadBar = 0;
        }"""
    )
    page.get_by_role("button", name="Publish").click()
    expect(
        page.get_by_text("slides.pdf is 1.5\xa0MB; files can be at most 1.0\xa0MB.")
    ).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Whiteboard handover")
    expect(page.get_by_label("What I learned")).to_have_value("Write it where people already look.")
    assert not Post.objects.exists()
    said = page.evaluate("window.uploadSaid")
    assert "Uploading: 100 percent" in said, said
    assert said[-1] == "Upload finished; the page is loading.", said
    snapshot(page, "attachments", "1-oversized-refused")

    # A web page renamed to .pdf: refused by its content, with what was typed kept.
    fake = tmp_path / "report.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.get_by_label("Files").set_input_files(str(fake))
    page.get_by_role("button", name="Publish").click()
    expect(
        page.get_by_text("report.pdf is not what its name says: its content is not a PDF")
    ).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Whiteboard handover")
    assert not Post.objects.exists()

    # A file dropped onto the field joins the chosen ones.
    page.evaluate(
        """() => {
            const zone = document.querySelector("[data-drop-zone]");
            const files = new DataTransfer();
            files.items.add(new File(["# Shift notes\\n"], "notes.md", {type: "text/markdown"}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true}));
        }"""
    )
    assert page.evaluate("document.querySelector('#id_files').files[0].name") == "notes.md"
    expect(page.locator("[data-upload-status]")).to_have_text("Files chosen: 1")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    draft = Post.objects.get(title="Whiteboard handover")
    assert [a.original_name for a in draft.attachments.all()] == ["notes.md"]

    # A photo and a PDF, chosen with the file chooser.
    photo, pdf = tmp_path / "whiteboard.jpg", tmp_path / "checklist.pdf"
    photo.write_bytes(photo_bytes())
    pdf.write_bytes(pdf_bytes("Whiteboard checklist"))
    page.get_by_label("Files").set_input_files([str(photo), str(pdf)])
    page.get_by_label("Remove notes.md").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Thank you for sharing.")).to_be_visible()

    post = Post.objects.get(title="Whiteboard handover")
    stored = {a.original_name: a for a in attachments.attached_to(post)}
    assert set(stored) == {"whiteboard.webp", "checklist.pdf"}
    thumbnail = page.get_by_role("img", name="whiteboard.webp (open the full size)")
    expect(thumbnail).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=thumbnail.element_handle(), timeout=10_000)
    files = page.get_by_role("list", name="Files")
    expect(files).to_contain_text("checklist.pdf")
    expect(files).to_contain_text("PDF document")
    snapshot(page, "attachments", "2-post-with-files")

    # The PDF downloads as it was uploaded, under its name.
    with page.expect_download() as download:
        page.get_by_role("link", name="checklist.pdf").click()
    assert download.value.suggested_filename == "checklist.pdf"
    assert Path(download.value.path()).read_bytes() == pdf.read_bytes()
    response = page.request.get(live_server.url + stored["checklist.pdf"].get_absolute_url())
    assert response.status == 200
    assert response.headers["content-disposition"] == 'attachment; filename="checklist.pdf"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not refused_by_policy, refused_by_policy

    # A comment with a file, sent by htmx: it appears in the conversation.
    conversation = page.locator("#conversation")
    conversation.get_by_label("Your comment").fill("Our template for the board.")
    template = tmp_path / "board-template.md"
    template.write_text("# Open tasks\n- [ ] fluids\n")
    conversation.get_by_label("Files").set_input_files(str(template))
    conversation.get_by_role("button", name="Send comment").click()
    expect(conversation.get_by_role("link", name="board-template.md")).to_be_visible()
    expect(conversation).to_contain_text("Markdown text")
    on_comment = Attachment.objects.get(original_name="board-template.md")
    assert on_comment.comment is not None and on_comment.post == post
    snapshot(page, "attachments", "3-comment-with-file")

    # A reply with a file: the one reply form has its own file field, sent by htmx too.
    name = on_comment.comment.author.display_name
    conversation.get_by_role("link", name=f"Reply to {name}").click()
    reply_form = page.locator(f"#reply-form-{on_comment.comment_id}")
    expect(reply_form.get_by_label(f"Reply to {name}")).to_be_focused()
    reply_form.get_by_label(f"Reply to {name}").fill("And the rota that goes with it.")
    rota = tmp_path / "rota.csv"
    rota.write_text("day,who\nMon,Ana\n")
    reply_form.get_by_label("Files").set_input_files(str(rota))
    snapshot(page, "attachments", "4-reply-with-file")
    reply_form.get_by_role("button", name="Send reply").click()
    expect(page.locator("[data-reply-form]")).to_have_count(0)
    expect(conversation.get_by_role("link", name="rota.csv")).to_be_visible()
    on_reply = Attachment.objects.get(original_name="rota.csv")
    assert on_reply.comment.parent_id == on_comment.comment_id

    # Someone outside the community finds nothing at the file's address.
    outsider = open_as(UserFactory(), "/")
    gone = outsider.request.get(live_server.url + stored["checklist.pdf"].get_absolute_url())
    assert gone.status == 404

    # The post page with its files, checked by axe-core (which needs its script added).
    context = signed_in_context(browser, live_server, member, bypass_csp=True)
    try:
        checked = context.new_page()
        checked.goto(live_server.url + post.get_absolute_url())
        assert axe_violations(checked) == []
    finally:
        context.close()
