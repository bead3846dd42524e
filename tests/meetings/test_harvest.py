import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from communities.meetings import services
from communities.meetings.models import Insight
from communities.meetings.selectors import harvested_posts
from practices.models import Post
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

EXPERIENCE = {
    "title": "Handover at the bedside",
    "tried": "We moved the handover to the bedside.",
    "happened": "Patients corrected two mistakes.",
    "learned": "Ask the patient first.",
}


def test_the_team_and_the_chosen_note_taker_write_notes_but_other_members_do_not(
    past_meeting, facilitator, member, community
):
    other = MembershipFactory(community=community).user
    services.meeting_notes_save(
        meeting=past_meeting, by=facilitator, notes="We discussed handovers.", note_taker=member
    )
    services.meeting_notes_save(meeting=past_meeting, by=member, notes="Added: two cases.")
    past_meeting.refresh_from_db()
    assert past_meeting.notes == "Added: two cases."
    assert past_meeting.note_taker == member
    with pytest.raises(PermissionDenied):
        services.meeting_notes_save(meeting=past_meeting, by=other, notes="Mine now")


def test_an_insight_is_published_under_a_name_only_after_that_person_confirms(
    client, past_meeting, facilitator, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        insight = services.insight_propose(
            meeting=past_meeting, by=facilitator, person=member, kind="experience", data=EXPERIENCE
        )
    assert not Post.objects.filter(author=member).exists()
    [request] = mail.outbox
    assert request.to == [member.email]
    assert insight.get_absolute_url() in request.body

    client.force_login(facilitator)
    assert client.get(insight.get_absolute_url()).status_code == 404
    assert (
        client.post(insight.get_absolute_url(), {"action": "publish", **EXPERIENCE}).status_code
        == 404
    )
    assert not Post.objects.exists()

    client.force_login(member)
    response = client.post(
        insight.get_absolute_url(),
        {"action": "publish", **EXPERIENCE, "learned": "Ask the patient first, always."},
    )

    post = Post.objects.get(author=member)
    assert response["Location"] == post.get_absolute_url()
    assert post.is_published and post.learned == "Ask the patient first, always."
    insight.refresh_from_db()
    assert insight.status == Insight.Status.PUBLISHED and insight.post == post
    page = client.get(past_meeting.get_absolute_url()).content.decode()
    assert "Handover at the bedside" in page
    assert [p.pk for p in harvested_posts(past_meeting.community, member)] == [post.pk]


def test_a_declined_insight_publishes_nothing(client, past_meeting, facilitator, member):
    insight = services.insight_propose(
        meeting=past_meeting,
        by=facilitator,
        person=member,
        kind="challenge",
        data={"title": "Night staffing", "situation": "Two nurses for thirty beds."},
    )
    client.force_login(member)
    client.post(insight.get_absolute_url(), {"action": "decline"})
    insight.refresh_from_db()
    assert insight.status == Insight.Status.DECLINED
    assert not Post.objects.exists()
    with pytest.raises(PermissionDenied):
        services.insight_confirm(insight=insight, by=member, data={"title": "x", "situation": "y"})


def test_the_notes_page_proposes_an_insight_and_keeps_input_on_errors(
    client, past_meeting, facilitator, member
):
    client.force_login(facilitator)
    url = reverse("meetings:notes", args=[past_meeting.community.slug, past_meeting.pk])
    response = client.post(
        url, {"person": member.pk, "kind": "experience", "title": "Half written", "tried": "x"}
    )
    assert response.status_code == 200
    assert 'value="Half written"' in response.content.decode()
    assert not Insight.objects.exists()
    response = client.post(url, {"person": member.pk, "kind": "experience", **EXPERIENCE})
    assert response.status_code == 302
    assert Insight.objects.get().person == member
