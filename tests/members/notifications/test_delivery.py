"""Immediate emails: the delay, read ones skipped, folding per post, claimed once, checked again."""

from datetime import timedelta

from django.urls import reverse

from members import notifications
from members.models import Notification, NotificationSetting
from members.tasks import send_notification_emails as send_task
from practices import services

from .helpers import EXPERIENCE, emails_to, join, later, notes


def test_an_immediate_email_waits_for_the_delay(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="How long did it take?")

    assert notifications.send_notification_emails().emails == 0
    assert emails_to(author) == []

    result = notifications.send_notification_emails(now=later())

    assert result.emails == 1
    (email,) = emails_to(author)
    assert email.kind == "notification"
    assert "Cyril Commenter replied to your post" in email.subject
    assert "How long did it take?" in email.body_text and "How long did it take?" in email.body_html
    assert experience.get_absolute_url() in email.body_text
    assert reverse("members:notification_settings") in email.body_text
    (note,) = notes(author)
    assert note.email_status == "sent" and note.emailed_at is not None


def test_an_email_is_skipped_when_the_notification_was_read_first(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="Seen it?")
    notifications.mark_read(user=author, ids="all")

    result = notifications.send_notification_emails(now=later())

    assert result.emails == 0 and result.skipped == 1
    assert emails_to(author) == []
    assert [n.email_status for n in notes(author)] == ["skipped"]


def test_three_replies_on_one_post_become_one_email(community, experience, author):
    for text in ("First!", "Second thought", "Third way"):
        services.comment_create(post=experience, author=join(community).user, body=text)
    other = services.post_create(
        community=community, author=author, kind="experience", data={**EXPERIENCE, "title": "Other"}
    )
    services.comment_create(post=other, author=join(community).user, body="On the other one")

    notifications.send_notification_emails(now=later())

    emails = emails_to(author)
    assert len(emails) == 2
    folded = next(e for e in emails if "3 new replies" in e.subject)
    assert f"3 new replies on “{experience.title}”" == folded.subject
    for text in ("First!", "Second thought", "Third way"):
        assert text in folded.body_text
    assert "On the other one" not in folded.body_text


def test_running_the_sender_twice_sends_once(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="Once only")

    first = notifications.send_notification_emails(now=later())
    second = notifications.send_notification_emails(now=later())
    # A second run for the same member finds nothing left to claim either.
    again = notifications.send_notification_emails_to(author.pk, now=later())

    assert (first.emails, second.emails, again.emails) == (1, 0, 0)
    assert len(emails_to(author)) == 1


def test_the_same_claimed_notifications_are_never_queued_twice(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="Once only")
    notifications.send_notification_emails(now=later())
    # Even if the rows were put back (a lost update, a restored backup), the outbox
    # refuses a second email for the same claimed notifications.
    Notification.objects.filter(recipient=author).update(email_status="pending")

    notifications.send_notification_emails(now=later())

    assert len(emails_to(author)) == 1


def test_the_email_leaves_out_what_the_recipient_can_no_longer_see(
    community, experience, author, commenter, facilitator
):
    comment = services.comment_create(post=experience, author=commenter, body="Rude words")
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Rude")

    result = notifications.send_notification_emails(now=later())

    assert result.emails == 0
    assert emails_to(author) == []
    assert [n.email_status for n in notes(author)] == ["skipped"]


def test_a_channel_changed_meanwhile_is_respected_when_sending(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="Hello")
    NotificationSetting.objects.create(user=author, kind="reply", channel="digest")

    notifications.send_notification_emails(now=later())

    assert emails_to(author) == []
    assert [n.email_status for n in notes(author)] == ["digest"]


def test_the_text_parts_are_not_html_escaped(community, author, commenter):
    post = services.post_create(
        community=community,
        author=author,
        kind="experience",
        data={**EXPERIENCE, "title": "Nurses' handover & <SBAR>"},
    )
    services.comment_create(post=post, author=commenter, body="Ward 4 & 5 don't do this")

    notifications.send_notification_emails(now=later())

    (email,) = emails_to(author)
    assert "“Nurses' handover & <SBAR>”" in email.subject
    assert "Ward 4 & 5 don't do this" in email.body_text
    assert "&lt;SBAR&gt;" in email.body_html and "<SBAR>" not in email.body_html


def test_the_periodic_task_sends_what_is_due(experience, author, commenter, settings):
    settings.NOTIFICATION_EMAIL_DELAY = timedelta(0)
    services.comment_create(post=experience, author=commenter, body="Hello")

    assert send_task.delay().get() == 1
    assert len(emails_to(author)) == 1
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert str(schedule["members.send_notification_emails"]["schedule"]._orig_minute) == "*"
