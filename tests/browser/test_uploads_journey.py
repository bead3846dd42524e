"""A facilitator uploads a cover in chromium: a real PNG is stored and shown, a file
that only pretends to be an image and one over the size cap are refused with a
message, and the details typed meanwhile stay in the form."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from communities.models import Community
from tests.browser.people import snapshot
from tests.factories import CommunityFactory, MembershipFactory, UserFactory


def png_bytes() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (1200, 400), (29, 92, 87))
    for x in range(0, 1200, 40):
        for y in range(400):
            image.putpixel((x, y), (240, 200, 120))
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.browser
def test_a_cover_is_uploaded_shown_and_bad_files_are_refused_keeping_the_form(
    live_server, transactional_db, open_as, tmp_path
):
    facilitator = UserFactory(display_name="Ada Osei")
    community = CommunityFactory(
        name="Night shift handovers", visibility="hidden", created_by=facilitator
    )
    MembershipFactory(community=community, user=facilitator, facilitator=True)
    page = open_as(facilitator, f"/c/{community.slug}/manage/")
    expect(page.get_by_role("button", name="Save details")).to_be_visible()

    # A real PNG: stored, and shown as the current cover.
    real = tmp_path / "ward.png"
    real.write_bytes(png_bytes())
    page.get_by_label("Cover image").set_input_files(str(real))
    page.get_by_role("button", name="Save details").click()
    preview = page.get_by_role("img", name="Current cover image")
    expect(preview).to_be_visible()
    # The image itself arrives after the page: wait for it to be decoded, then check it.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle(), timeout=10_000
    )
    snapshot(page, "uploads", "1-cover-shown")
    # The current file is linked through the door, never by its storage path.
    current = page.get_by_role("link", name="current image")
    assert current.get_attribute("href").startswith(f"/c/{community.slug}/cover/?v=")
    community.refresh_from_db()
    stored = community.cover_image.name
    assert stored.endswith(".webp") and "ward" not in stored

    # Text under an image's name: refused, the name just typed is kept.
    fake = tmp_path / "cover.png"
    fake.write_text("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    page.locator("#id_name").fill("Night shift handovers, renamed")
    page.get_by_label("Cover image").set_input_files(str(fake))
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("This file is not an image we can use.")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Night shift handovers, renamed")
    snapshot(page, "uploads", "2-wrong-content-refused")

    # Over the size cap: refused with the limit named, the form kept again.
    big = tmp_path / "huge.png"
    big.write_bytes(png_bytes() + b"\0" * 6_000_000)
    page.get_by_label("Cover image").set_input_files(str(big))
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("files can be at most 5.0")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Night shift handovers, renamed")
    snapshot(page, "uploads", "3-oversized-refused")

    community.refresh_from_db()
    assert community.cover_image.name == stored
    assert Community.objects.get(pk=community.pk).name == "Night shift handovers"

    # An outsider finds no cover at its address.
    outsider = open_as(UserFactory(), "/")
    response = outsider.request.get(f"{live_server.url}/c/{community.slug}/cover/")
    assert response.status == 404
