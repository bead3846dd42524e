"""A community's rhythm, driven through the pages.

Fay, a facilitator, schedules a monthly case clinic with two places. Gus and Hana say
yes, Ivo joins the waiting list; Gus gives up his place and Ivo gets it. Hana's calendar
subscription imports into a calendar library and changes when Fay moves the second
clinic. After the clinic, Fay writes notes and proposes Hana's insight; Hana confirms
and it becomes her post, linked from the meeting. Pages are photographed at 1280 and
390 px wide.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from communities.meetings.models import Meeting, Rsvp
from practices.models import Post
from tests.browser.people import link_in_email, snapshot
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def shot(page: Page, name: str) -> None:
    """Photograph the page wide and narrow, then go back to the wide window."""
    snapshot(page, "meetings", f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    snapshot(page, "meetings", f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def answer(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def events_in(content: bytes):
    now = timezone.now()
    return recurring_ical_events.of(Calendar.from_ical(content)).between(
        now, now + timedelta(days=120)
    )


@pytest.mark.browser
def test_a_monthly_clinic_is_scheduled_answered_subscribed_moved_and_harvested(
    live_server, transactional_db, open_as, tmp_path
):
    fay = UserFactory(display_name="Fay Brennan", time_zone="Europe/Berlin")
    gus, hana, ivo = (
        UserFactory(display_name=name, time_zone="Europe/London")
        for name in ("Gus Amari", "Hana Ito", "Ivo Petrov")
    )
    community = CommunityFactory(name="Night shift circle", slug="night-shift")
    MembershipFactory(community=community, user=fay, facilitator=True)
    for person in (gus, hana, ivo):
        MembershipFactory(community=community, user=person)

    # An empty calendar invites the facilitator to plan the rhythm.
    facilitator = open_as(fay, f"/c/{community.slug}/meetings/")
    expect(facilitator.get_by_text("No meetings are planned yet.")).to_be_visible()
    shot(facilitator, "empty")
    facilitator.get_by_role("link", name="Schedule the first meeting").click()

    first_day = date.today() + timedelta(days=3)
    form = facilitator.locator("form.meeting-form")
    form.locator("[name=title]").fill("Monthly case clinic")
    form.locator("[name=agenda]").fill("Bring **one** case from a night shift.")
    form.locator("[name=date]").fill(first_day.isoformat())
    form.locator("[name=time]").fill("19:00")
    form.locator("[name=duration_minutes]").fill("90")
    form.locator("[name=time_zone]").select_option("Europe/Berlin")
    form.locator("[name=repeat]").select_option("monthly_weekday")
    form.locator("[name=place]").fill("https://video.example/clinic")
    form.locator("[name=capacity]").fill("2")
    shot(facilitator, "schedule-form")
    form.get_by_role("button", name="Schedule").click()

    expect(facilitator.get_by_text("The meeting is scheduled.")).to_be_visible()
    first = Meeting.objects.order_by("starts_at").first()
    assert first.series.meetings.count() >= 12
    assert timezone.localtime(first.starts_at, BERLIN).hour == 19
    invited = {m.to[0] for m in mail.outbox if "Invitation" in m.subject}
    assert invited == {fay.email, gus.email, hana.email, ivo.email}
    assert any(a[2].startswith("text/calendar") for a in mail.outbox[0].attachments)
    expect(facilitator.get_by_role("heading", name="Monthly case clinic")).to_be_visible()

    # Members answer; the third yes joins the waiting list.
    pages = {}
    for person in (gus, hana, ivo):
        pages[person] = open_as(person, first.get_absolute_url())
        answer(pages[person], "Yes" if person != ivo else "Join the waiting list")
    expect(pages[gus].get_by_text("You are going")).to_be_visible()
    expect(pages[ivo].get_by_text("You are on the waiting list")).to_be_visible()
    pages[ivo].reload()
    expect(pages[ivo].get_by_role("heading", name="Waiting list")).to_be_visible()
    shot(pages[ivo], "waiting-list")

    # Gus gives up his place: Ivo is promoted and told by email.
    mail.outbox.clear()
    answer(pages[gus], "No")
    expect(pages[gus].get_by_text("You are not going")).to_be_visible()
    assert Rsvp.objects.get(meeting=first, user=ivo).status == "going"
    [promotion] = mail.outbox
    assert promotion.to == [ivo.email] and "A place for you" in promotion.subject
    pages[ivo].reload()
    expect(pages[ivo].get_by_text("You are going")).to_be_visible()

    # Hana subscribes; her calendar shows the clinics and follows a move.
    hana_page = pages[hana]
    hana_page.goto(f"{live_server.url}/meetings/calendar/")
    feed = hana_page.get_by_label("My meetings (all communities)").input_value()
    shot(hana_page, "calendar-settings")
    before = events_in(hana_page.request.get(feed).body())
    second = first.series.meetings.order_by("starts_at")[1]
    assert second.starts_at in [e["DTSTART"].dt for e in before]

    facilitator.goto(f"{live_server.url}{second.get_absolute_url()}")
    facilitator.get_by_role("link", name="Edit or move").click()
    edit = facilitator.locator("form.meeting-form")
    new_day = timezone.localtime(second.starts_at, BERLIN).date() + timedelta(days=1)
    edit.locator("[name=date]").fill(new_day.isoformat())
    edit.locator("[name=time]").fill("18:30")
    edit.get_by_label("Only this meeting").check()
    edit.get_by_role("button", name="Save changes").click()
    expect(facilitator.get_by_text("The meeting is updated")).to_be_visible()

    after = {e["DTSTART"].dt: e for e in events_in(hana_page.request.get(feed).body())}
    assert second.starts_at not in after
    [moved] = [e for e in after.values() if e["DTSTART"].dt.astimezone(BERLIN).date() == new_day]
    assert (moved["DTSTART"].dt.astimezone(BERLIN).hour, moved["DTSTART"].dt.minute) == (18, 30)
    assert str(moved["UID"]).startswith(first.series.uid)

    # The community's pages show the rhythm.
    facilitator.goto(f"{live_server.url}/c/{community.slug}/meetings/")
    expect(facilitator.get_by_role("heading", name="Coming up")).to_be_visible()
    shot(facilitator, "list")
    hana_page.goto(f"{live_server.url}/meetings/")
    expect(hana_page.get_by_role("heading", name="My meetings")).to_be_visible()
    shot(hana_page, "mine")
    hana_page.goto(f"{live_server.url}/c/{community.slug}/")
    expect(hana_page.get_by_role("heading", name="Next meetings")).to_be_visible()

    # After the clinic: notes, and Hana's insight becomes her post once she confirms.
    Meeting.objects.filter(pk=first.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2)
    )
    facilitator.goto(f"{live_server.url}{first.get_absolute_url()}")
    facilitator.get_by_role("link", name="Write notes and harvest").click()
    facilitator.locator("[name=notes]").fill("Three cases. Hana showed her bedside checklist.")
    # The checklist itself goes with the notes (sent by the upload script, with progress).
    checklist = tmp_path / "bedside-checklist.md"
    checklist.write_text("1. Name\n2. Medication\n3. Open questions\n")
    facilitator.get_by_label("Files").set_input_files(str(checklist))
    facilitator.get_by_role("button", name="Save the notes").click()
    expect(facilitator.get_by_text("The notes are saved.")).to_be_visible()
    expect(facilitator.get_by_text("bedside-checklist.md")).to_be_visible()
    hana_page.goto(f"{live_server.url}{first.get_absolute_url()}")
    notes_file = hana_page.get_by_role("link", name="bedside-checklist.md")
    expect(notes_file).to_be_visible()
    download = hana_page.request.get(live_server.url + notes_file.get_attribute("href"))
    assert download.body() == checklist.read_bytes()
    mail.outbox.clear()
    facilitator.get_by_label("Brought by").select_option(label="Hana Ito")
    facilitator.locator("[name=title]").fill("A bedside checklist for night handovers")
    facilitator.get_by_label("What they tried").fill("A five-line checklist at the bedside.")
    facilitator.get_by_label("What happened").fill("No missed medication in a month.")
    facilitator.get_by_label("What they learned").fill("Short beats complete.")
    facilitator.get_by_role("button", name="Ask them to confirm").click()
    expect(facilitator.get_by_text("Hana Ito is asked to confirm")).to_be_visible()
    shot(facilitator, "notes")
    assert not Post.objects.filter(author=hana).exists()

    [request] = mail.outbox
    hana_page.goto(link_in_email(request, live_server))
    expect(hana_page.get_by_role("heading", name="Share this under your name?")).to_be_visible()
    shot(hana_page, "consent")
    hana_page.get_by_label("What I learned").fill("Short beats complete, every time.")
    hana_page.get_by_role("button", name="Publish under my name").click()
    expect(hana_page.get_by_text("Published under your name.")).to_be_visible()
    post = Post.objects.get(author=hana)
    assert post.learned == "Short beats complete, every time."

    hana_page.goto(f"{live_server.url}{first.get_absolute_url()}")
    expect(
        hana_page.get_by_role("link", name="A bedside checklist for night handovers")
    ).to_be_visible()
    shot(hana_page, "meeting-harvested")
