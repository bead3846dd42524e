"""Onboarding reminders and the first-post nudge, with the clock moved forward."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from communities import reminders, services
from communities.models import Community, Membership
from communities.tasks import send_onboarding_reminders
from members.models import OutboundEmail
from practices import services as practices_services
from tests.builders import launch_community
from tests.factories import UserFactory


@pytest.fixture
def start():
    return timezone.now()


@pytest.fixture
def community(facilitator, start):
    with time_machine.travel(start, tick=False):
        return launch_community(facilitator, name="Safe handovers")


def join(community: Community, when) -> Membership:
    """A member who joined at `when` and has not done the onboarding steps yet."""
    with time_machine.travel(when, tick=False):
        return services.membership_join(
            community=Community.objects.get(pk=community.pk),
            user=UserFactory(),
            accepted_rules=True,
        )


def run_at(when) -> reminders.ReminderRun:
    with time_machine.travel(when, tick=False):
        return reminders.reminders_send()


def sent(membership: Membership, kind: str = "onboarding_reminder") -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=membership.user.email, kind=kind).order_by("pk"))


def complete_onboarding(membership: Membership) -> None:
    services.onboarding_set_profile(
        membership=membership, can_help_with=["handover"], wants_to_learn=[]
    )
    services.onboarding_introduce(membership=membership, intro="Night nurse on ward 4.")
    membership.refresh_from_db()
    assert membership.onboarding_completed_at is not None


def test_reminders_go_out_after_two_and_after_seven_days(community, start):
    membership = join(community, start)

    assert run_at(start + timedelta(days=1, hours=23)).first == 0
    assert run_at(start + timedelta(days=2, hours=1)).first == 1
    assert run_at(start + timedelta(days=2, hours=2)).first == 0
    assert run_at(start + timedelta(days=6, hours=23)).second == 0
    assert run_at(start + timedelta(days=7, hours=1)).second == 1

    first, second = sent(membership)
    assert first.subject == "A few first steps in Safe handovers"
    for text in ("Introduce yourself", "Say what you can help with and what you want to learn"):
        assert text in first.body_text and text in first.body_html
    assert "Accept the community's rules" not in first.body_text  # done when joining
    assert reverse("communities:detail", args=[community.slug]) in first.body_text
    assert "last reminder" in second.body_text
    membership.refresh_from_db()
    assert membership.reminders_sent == 2


def test_there_is_never_a_third_reminder(community, start):
    membership = join(community, start)
    for days in (2, 7, 8, 14, 30):
        run_at(start + timedelta(days=days, hours=1))

    assert len(sent(membership)) == 2


def test_the_email_names_only_the_steps_still_missing(community, start):
    membership = join(community, start)
    services.onboarding_introduce(membership=membership, intro="Hello, I am new here.")

    run_at(start + timedelta(days=2, hours=1))

    (email,) = sent(membership)
    assert "Introduce yourself" not in email.body_text
    assert "Say what you can help with" in email.body_text


def test_no_reminder_once_onboarding_is_complete(community, start):
    done_early = join(community, start)
    done_later = join(community, start)
    complete_onboarding(done_early)

    run_at(start + timedelta(days=2, hours=1))
    complete_onboarding(done_later)
    run_at(start + timedelta(days=7, hours=1))

    assert sent(done_early) == []
    assert len(sent(done_later)) == 1


def test_no_reminder_after_leaving(community, start):
    membership = join(community, start)
    with time_machine.travel(start + timedelta(days=1), tick=False):
        services.membership_leave(membership=membership)

    run = run_at(start + timedelta(days=2, hours=1))
    run_at(start + timedelta(days=7, hours=1))

    assert run.first == 0
    assert sent(membership) == []


def test_archived_communities_send_nothing(community, start, facilitator):
    membership = join(community, start)
    services.community_archive(community=community, by=facilitator, note="We are done.")

    run_at(start + timedelta(days=2, hours=1))

    assert sent(membership) == []


def test_facilitators_can_change_the_delays(client, community, start, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("communities:manage_onboarding", args=[community.slug]),
        {
            "welcome_message": "Welcome!",
            "onboarding_profile": "on",
            "onboarding_intro": "on",
            "reminder_first_days": "1",
            "reminder_second_days": "3",
        },
    )
    assert response.status_code == 302
    membership = join(community, start)

    assert run_at(start + timedelta(hours=23)).first == 0
    assert run_at(start + timedelta(days=1, hours=1)).first == 1
    assert run_at(start + timedelta(days=3, hours=1)).second == 1
    assert len(sent(membership)) == 2


def test_the_onboarding_form_shows_the_delays_and_refuses_a_second_before_the_first(
    client, community, facilitator
):
    client.force_login(facilitator)
    url = reverse("communities:manage_onboarding", args=[community.slug])

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {"welcome_message": "Hi", "reminder_first_days": "5", "reminder_second_days": "3"},
    )

    assert 'name="reminder_first_days" value="2"' in page
    assert 'name="reminder_second_days" value="7"' in page
    assert response.status_code == 200
    assert "The second reminder must come after the first." in response.content.decode()
    community.refresh_from_db()
    assert (community.reminder_first_days, community.reminder_second_days) == (2, 7)


def test_two_runs_at_once_send_one_reminder(community, start):
    membership = join(community, start)
    when = start + timedelta(days=2, hours=1)
    with time_machine.travel(when, tick=False):
        due = reminders.due_reminders(1, now=timezone.now())
        # Both runs found it due; only the first claim wins.
        outcomes = [reminders.reminder_send(membership_id=pk, number=1) for pk in due * 2]

    assert outcomes == [True, False]
    assert len(sent(membership)) == 1


def test_rejoining_starts_the_reminders_again(community, start):
    membership = join(community, start)
    run_at(start + timedelta(days=2, hours=1))
    run_at(start + timedelta(days=7, hours=1))
    with time_machine.travel(start + timedelta(days=8), tick=False):
        services.membership_leave(membership=membership)
        services.membership_join(
            community=Community.objects.get(pk=community.pk),
            user=membership.user,
            accepted_rules=True,
        )

    run_at(start + timedelta(days=10, hours=1))

    assert len(sent(membership)) == 3


def test_people_who_joined_long_before_reminders_existed_are_left_alone(community, start):
    membership = join(community, start - timedelta(days=90))

    run = run_at(start + timedelta(hours=1))

    assert (run.first, run.second) == (0, 0)
    assert sent(membership) == []


def test_one_first_post_nudge_two_weeks_after_joining(community, start):
    quiet = join(community, start)
    writer = join(community, start)
    for membership in (quiet, writer):
        complete_onboarding(membership)
    practices_services.post_create(
        community=Community.objects.get(pk=community.pk),
        author=writer.user,
        kind="experience",
        data={"title": "Mine", "tried": "x", "happened": "y", "learned": "z"},
    )

    assert run_at(start + timedelta(days=13, hours=23)).nudges == 0
    assert run_at(start + timedelta(days=14, hours=1)).nudges == 1
    assert run_at(start + timedelta(days=15)).nudges == 0

    (email,) = sent(quiet, "first_post_nudge")
    assert email.subject == "Your first experience in Safe handovers"
    assert reverse("practices:create", args=[community.slug, "experience"]) in email.body_text
    assert sent(writer, "first_post_nudge") == []


def test_no_nudge_while_onboarding_is_open(community, start):
    membership = join(community, start)

    run_at(start + timedelta(days=14, hours=1))

    assert sent(membership, "first_post_nudge") == []


def test_the_command_reports_progress_and_a_summary(community, start):
    join(community, start)
    out = StringIO()

    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)

    lines = out.getvalue().splitlines()
    assert "Reminder 1: 1 due" in lines
    assert "Done: 1 first reminders, 0 second reminders, 0 first-post nudges." in lines
    assert "Done: 0 first reminders, 0 second reminders, 0 first-post nudges." in lines


def test_the_hourly_task_sends_what_is_due(community, start):
    membership = join(community, start)

    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        result = send_onboarding_reminders.delay().get()

    assert result == {"first": 1, "second": 0, "nudges": 0}
    assert len(sent(membership)) == 1
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["communities.send_onboarding_reminders"]["schedule"].hour == set(range(24))


def test_the_reminder_text_is_not_html_escaped(facilitator, start):
    with time_machine.travel(start, tick=False):
        community = launch_community(facilitator, name="Nurses' corner & friends")
    membership = join(community, start)

    run_at(start + timedelta(days=2, hours=1))

    (email,) = sent(membership)
    assert email.subject == "A few first steps in Nurses' corner & friends"
    assert "Nurses' corner & friends" in email.body_text
