"""Uploads are checked by content, re-encoded without metadata under random names, and
served only through views that check the door, with headers that keep browsers from
treating them as anything but images."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from PIL import Image

from communities.models import Community
from config.uploads import ImagePolicy, clean_image, safe_original_name
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# The GPS position a phone writes into a photo's EXIF (tag 0x8825 points at it); here
# a recognisable string in the image description instead.
SECRET_METADATA = "zq-taken-at-home-52.52N-13.40E"


def png(size=(60, 40), colour=(200, 80, 40), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (80, 50), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010E] = SECRET_METADATA  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(data: bytes, name="photo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


POLICY = ImagePolicy(prefix="covers", max_bytes=200_000, max_pixels=1_000_000)


def test_an_image_is_re_encoded_to_webp_under_a_random_name_without_its_metadata():
    original = jpeg_with_exif()
    assert SECRET_METADATA.encode() in original

    clean = clean_image(upload(original, name="../../Holiday at HOME.jpg"), POLICY)

    data = clean.content.read()
    assert SECRET_METADATA.encode() not in data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "WEBP"
    assert stored.size == (80, 50)
    assert not stored.getexif()
    assert clean.path == f"covers/{clean.content.name}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.webp", clean.content.name)
    assert "Holiday" not in clean.content.name
    assert clean.original_name == "Holiday at HOME.webp"
    assert clean.content_type == "image/webp"
    other = clean_image(upload(original), POLICY)
    assert other.content.name != clean.content.name


def test_bytes_hidden_after_the_image_do_not_survive():
    smuggled = png() + b"<script>alert(1)</script>"

    data = clean_image(upload(smuggled), POLICY).content.read()

    assert b"<script>" not in data


def test_a_file_is_judged_by_its_content_not_its_name():
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(b"<html><script>alert(1)</script></html>", name="cover.png"), POLICY)
    assert refused.value.code == "not_an_image"
    assert "not an image we can use" in refused.value.messages[0]

    # A real PNG called .txt is a PNG.
    assert clean_image(upload(png(), name="notes.txt", content_type="text/plain"), POLICY)


def test_an_image_type_outside_the_allow_list_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")

    with pytest.raises(ValidationError) as refused:
        clean_image(upload(out.getvalue(), name="cover.bmp"), POLICY)

    assert refused.value.code == "not_an_image"
    assert "GIF, JPEG, PNG, WEBP" in refused.value.messages[0]


def test_a_file_over_the_cap_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(png() + b"\0" * 200_001), POLICY)

    assert refused.value.code == "too_large"
    assert "files can be at most 195.3\xa0KB" in refused.value.messages[0]


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    # Small on disk, huge in memory: 5,000 × 5,000 pixels of one colour.
    bomb = png(size=(5000, 5000), colour=(0, 0, 0), optimize=True)
    assert len(bomb) < 200_000

    with pytest.raises(ValidationError) as refused:
        clean_image(upload(bomb), POLICY)

    assert refused.value.code == "too_many_pixels"
    assert "5000 × 5000 pixels, too large to process" in refused.value.messages[0]


def test_a_large_image_is_scaled_down_to_the_policy_box():
    policy = ImagePolicy(prefix="avatars", max_size=(100, 100))

    data = clean_image(upload(png(size=(400, 200))), policy).content.read()

    assert Image.open(io.BytesIO(data)).size == (100, 50)


def test_original_names_are_made_safe_for_showing_and_headers():
    assert safe_original_name('..\\..\\evil"\r\nSet-Cookie: x.png') == "evilSet-Cookie: x.png"
    assert safe_original_name("") == "file"
    header = content_disposition_header(False, safe_original_name("Bericht über Übergaben.png"))
    assert header.startswith("inline; filename*=utf-8''")


# --- Covers -------------------------------------------------------------------------


@pytest.fixture
def hidden_with_cover():
    community = CommunityFactory(visibility=Community.Visibility.HIDDEN)
    facilitator = MembershipFactory(community=community, facilitator=True).user
    community.cover_image = clean_image(upload(png()), POLICY).content
    community.save()
    return community, facilitator


def test_a_hidden_communitys_cover_is_the_same_404_for_outsiders(client, hidden_with_cover):
    community, facilitator = hidden_with_cover
    url = reverse("communities:cover", args=[community.slug])

    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(facilitator)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Cache-Control"] == "private, max-age=3600"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "WEBP"


def test_stored_files_are_not_served_at_a_media_address(client, hidden_with_cover):
    community, _facilitator = hidden_with_cover

    assert client.get(f"/media/{community.cover_image.name}").status_code == 404
    assert community.cover_url.startswith(f"/c/{community.slug}/cover/?v=")


def test_facilitators_upload_a_cover_that_is_stored_re_encoded(client, facilitator, community):
    client.force_login(facilitator)
    data = {
        "name": community.name,
        "kind": community.kind,
        "challenge": community.challenge,
        "language": "en",
        "cover_color": "teal",
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "cover_image": upload(jpeg_with_exif(), name="ward.jpg", content_type="image/jpeg"),
    }

    response = client.post(reverse("communities:manage", args=[community.slug]), data)

    assert response.status_code == 302
    community.refresh_from_db()
    assert re.fullmatch(r"covers/\d{4}/\d{2}/[A-Za-z0-9_-]{24}\.webp", community.cover_image.name)
    assert "ward" not in community.cover_image.name
    with community.cover_image.open("rb") as stored:
        assert SECRET_METADATA.encode() not in stored.read()
    page = client.get(reverse("communities:manage", args=[community.slug])).content.decode()
    assert community.cover_url.replace("&", "&amp;") in page or community.cover_url in page


def test_a_refused_cover_keeps_the_other_fields_and_changes_nothing(client, facilitator, community):
    client.force_login(facilitator)
    data = {
        "name": "A name typed just now",
        "kind": community.kind,
        "challenge": community.challenge,
        "language": "en",
        "cover_color": "teal",
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "cover_image": upload(b"MZ\x90\x00 not a picture", name="cover.png"),
    }

    response = client.post(reverse("communities:manage", args=[community.slug]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This file is not an image we can use." in page
    assert 'value="A name typed just now"' in page
    community.refresh_from_db()
    assert community.name != "A name typed just now"
    assert not community.cover_image


# --- Avatars ------------------------------------------------------------------------


def test_members_upload_an_avatar_shown_where_they_are_shown(client, community):
    person = MembershipFactory(community=community).user
    client.force_login(person)

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": person.display_name,
            "time_zone": "UTC",
            "language": "en",
            "avatar": upload(png(size=(900, 900)), name="me.png"),
        },
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.avatar.name.startswith("avatars/")
    url = reverse("members:avatar", args=[person.pk])
    # The community is public: its readers see the people in it.
    client.logout()
    served = client.get(url)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (512, 512)


def test_an_avatar_of_someone_only_in_a_hidden_community_is_a_404_for_outsiders(client):
    hidden = CommunityFactory(visibility=Community.Visibility.HIDDEN)
    person = MembershipFactory(community=hidden).user
    person.avatar = clean_image(upload(png()), POLICY).content
    person.save()
    fellow = MembershipFactory(community=hidden).user
    url = reverse("members:avatar", args=[person.pk])

    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(fellow)
    assert client.get(url).status_code == 200
    # Someone without an avatar: the same 404 as someone unknown.
    assert client.get(reverse("members:avatar", args=[fellow.pk])).status_code == 404


def test_a_refused_avatar_keeps_what_was_typed(client, user):
    client.force_login(user)

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": "Typed Name",
            "bio": "Typed bio",
            "time_zone": "UTC",
            "language": "en",
            "avatar": upload(b"GIF89a but not really", name="me.gif", content_type="image/gif"),
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "This file is not an image we can use." in page
    assert 'value="Typed Name"' in page
    assert "Typed bio" in page
    user.refresh_from_db()
    assert user.display_name != "Typed Name"


# --- Files stored before the checks -------------------------------------------------


def test_reencode_uploads_brings_old_files_into_the_stored_form(capsys):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    with_exif = CommunityFactory()
    with_exif.cover_image.save("ward photo.jpg", ContentFile(jpeg_with_exif()), save=True)
    old_name = with_exif.cover_image.name
    broken = UserFactory()
    broken.avatar.save("me.png", ContentFile(b"<svg onload=alert(1)>"), save=True)
    broken_name = broken.avatar.name

    call_command("reencode_uploads")

    with_exif.refresh_from_db()
    assert with_exif.cover_image.name != old_name
    assert with_exif.cover_image.name.endswith(".webp")
    with with_exif.cover_image.open("rb") as stored:
        assert SECRET_METADATA.encode() not in stored.read()
    assert not with_exif.cover_image.storage.exists(old_name)
    broken.refresh_from_db()
    assert not broken.avatar
    assert not broken.avatar.storage.exists(broken_name)
    assert "1 re-encoded, 1 removed" in capsys.readouterr().out

    new_name = with_exif.cover_image.name
    call_command("reencode_uploads")
    with_exif.refresh_from_db()
    assert with_exif.cover_image.name == new_name
    assert "0 re-encoded, 0 removed, 1 already clean" in capsys.readouterr().out


def test_the_upload_help_is_worded_in_the_language_of_the_page():
    from members.forms import ProfileForm

    with translation.override("de"):
        german = str(ProfileForm.base_fields["avatar"].help_text)
    with translation.override("en"):
        english = str(ProfileForm.base_fields["avatar"].help_text)

    assert german.startswith("PNG, JPEG, GIF oder WebP, höchstens 5")
    assert english.startswith("PNG, JPEG, GIF or WebP, at most 5")
