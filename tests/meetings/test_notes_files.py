"""Files in a meeting's notes: attached by those who write the notes, shown with the
notes, served only to people who may see the meeting, and kept when the notes come
back with a problem."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.meetings import services
from communities.models import Community
from practices import attachments
from practices.models import Attachment
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def notes_url(meeting):
    return reverse("meetings:notes", args=[meeting.community.slug, meeting.pk])


def test_the_notes_are_saved_with_files_shown_on_the_meeting_page(
    client, past_meeting, facilitator, member
):
    client.force_login(facilitator)
    page = client.get(notes_url(past_meeting)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    response = client.post(
        notes_url(past_meeting),
        {"notes": "Two cases on handovers.", "files": [upload("board.md", b"# Board\n- fluids")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(original_name="board.md")
    assert attachment.meeting == past_meeting and attachment.post is None

    client.force_login(member)
    html = client.get(past_meeting.get_absolute_url()).content.decode()
    assert "Two cases on handovers." in html and attachment.get_absolute_url() in html
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"# Board\n- fluids"


def test_a_refused_file_keeps_the_notes_and_the_file_that_passed(client, past_meeting, facilitator):
    client.force_login(facilitator)
    response = client.post(
        notes_url(past_meeting),
        {
            "notes": "What we typed in the meeting",
            "files": [upload("board.md", b"# Board"), upload("tool.exe", b"MZ")],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "tool.exe is not a type we accept" in html
    assert "What we typed in the meeting</textarea>" in html
    kept = Attachment.objects.get(original_name="board.md")
    assert f'name="pending" value="{kept.pk}"' in html
    past_meeting.refresh_from_db()
    assert past_meeting.notes == "" and kept.meeting is None

    client.post(notes_url(past_meeting), {"notes": "Saved now", "pending": [str(kept.pk)]})
    kept.refresh_from_db()
    assert kept.meeting == past_meeting


def test_only_those_who_write_the_notes_attach_and_remove_files(
    client, past_meeting, facilitator, member, community
):
    services.meeting_notes_save(
        meeting=past_meeting, by=facilitator, notes="Notes", note_taker=member
    )
    mine = attachments.attachment_upload(
        uploader=member,
        checked=attachments.check_file(upload("cases.txt", b"two cases")),
    )
    attachments.attachments_attach_to_meeting(attachments=[mine], meeting=past_meeting, by=member)
    mine.refresh_from_db()
    assert mine.meeting == past_meeting

    other = MembershipFactory(community=community).user
    theirs = attachments.attachment_upload(
        uploader=other, checked=attachments.check_file(upload("x.txt", b"x"))
    )
    with pytest.raises(PermissionDenied):
        attachments.attachments_attach_to_meeting(
            attachments=[theirs], meeting=past_meeting, by=other
        )
    with pytest.raises(PermissionDenied):
        attachments.attachment_remove(attachment=mine, by=other)
    client.force_login(other)
    assert client.post(notes_url(past_meeting), {"notes": "x"}).status_code == 403

    # The facilitators edit the notes with the note-taker: they may take the file off.
    client.force_login(facilitator)
    client.post(notes_url(past_meeting), {"notes": "Notes", "remove": [str(mine.pk)]})
    mine.refresh_from_db()
    assert mine.removed_at is not None
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_a_members_only_meetings_files_are_a_404_to_outsiders_and_former_members(
    client, past_meeting, facilitator, member, community
):
    Community.objects.filter(pk=community.pk).update(visibility=Community.Visibility.MEMBERS)
    attachment = attachments.attachment_upload(
        uploader=facilitator, checked=attachments.check_file(upload("cases.txt", b"secret"))
    )
    attachments.attachments_attach_to_meeting(
        attachments=[attachment], meeting=past_meeting, by=facilitator
    )
    client.force_login(member)
    assert client.get(attachment.get_absolute_url()).status_code == 200
    community_services.membership_leave(membership=member.memberships.get(community=community))
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_a_deleted_meetings_files_are_cleaned_up(past_meeting, facilitator):
    attachment = attachments.attachment_upload(
        uploader=facilitator, checked=attachments.check_file(upload("cases.txt", b"x"))
    )
    attachments.attachments_attach_to_meeting(
        attachments=[attachment], meeting=past_meeting, by=facilitator
    )
    name = attachment.file.name
    storage = attachment.file.storage
    # Attached files are no orphans, however old.
    later = timezone.now() + timedelta(days=30)
    attachments.attachments_remove_orphans(now=later)
    assert storage.exists(name)
    past_meeting.delete()
    attachments.attachments_remove_orphans(now=later)
    assert not storage.exists(name)
