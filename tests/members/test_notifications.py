"""Notifications: the events that create them, the channels, the emails and the pages."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Community, Membership
from members import notifications
from members.models import Notification, NotificationKind, NotificationSetting, OutboundEmail
from members.tasks import send_notification_emails as send_task
from practices import services
from practices.models import Post
from practices.services import member_handle
from tests.builders import launch_community
from tests.factories import MembershipFactory, UserFactory

EXPERIENCE = {
    "title": "Bedside handover with the patient",
    "tried": "We moved the handover to the bedside.",
    "happened": "Patients corrected two mistakes in the first week.",
    "learned": "Patients are the best check on what we say.",
}
CHALLENGE = {"title": "Night shifts forget the fluid charts", "situation": "A 28-bed ward."}


@pytest.fixture
def facilitator(db):
    return UserFactory(display_name="Fay Facilitator")


@pytest.fixture
def community(facilitator):
    return launch_community(facilitator)


def join(community: Community, user=None, **fields) -> Membership:
    return MembershipFactory(community=community, user=user or UserFactory(), **fields)


@pytest.fixture
def author(community):
    return join(community, UserFactory(display_name="Ada Author")).user


@pytest.fixture
def commenter(community):
    return join(community, UserFactory(display_name="Cyril Commenter")).user


@pytest.fixture
def experience(community, author):
    return services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )


@pytest.fixture
def challenge(community, author):
    return services.post_create(
        community=community, author=author, kind="challenge", data=CHALLENGE
    )


def notes(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def later(minutes: int = 10):
    return timezone.now() + timedelta(minutes=minutes)


def emails_to(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=user.email).order_by("pk"))


# --- Events ---------------------------------------------------------------------------


def test_a_comment_tells_the_post_author_and_not_the_commenter(experience, author, commenter):
    comment = services.comment_create(post=experience, author=commenter, body="We do this too.")

    (note,) = notes(author)
    assert (note.kind, note.actor, note.post, note.comment) == (
        "reply",
        commenter,
        experience,
        comment,
    )
    assert note.url == comment.get_absolute_url()
    assert note.summary == "We do this too."
    assert notes(commenter) == []


def test_commenting_on_your_own_post_tells_nobody(experience, author):
    services.comment_create(post=experience, author=author, body="An update from me.")

    assert Notification.objects.count() == 0


def test_a_reply_tells_the_author_of_the_comment_replied_to(
    community, experience, author, commenter
):
    first = services.comment_create(post=experience, author=commenter, body="Which ward?")
    replier = join(community).user

    reply = services.comment_create(post=experience, author=replier, body="Ours.", parent=first)

    assert [n.comment for n in notes(commenter, "reply")] == [reply]
    assert [n.comment for n in notes(author, "reply")] == [first, reply]
    assert notes(replier) == []


def test_a_comment_on_a_challenge_is_an_answer_for_its_author(challenge, author, commenter):
    services.comment_create(post=challenge, author=commenter, body="A checklist at the bed.")

    assert [n.kind for n in notes(author)] == ["answer"]


def test_an_answer_marked_helpful_tells_its_author(challenge, author, commenter):
    answer = services.comment_create(post=challenge, author=commenter, body="Try a checklist.")

    services.comment_mark_helpful(comment=answer, by=author)
    services.comment_mark_helpful(comment=answer, by=author, helpful=False)
    services.comment_mark_helpful(comment=answer, by=author)

    (note,) = notes(commenter, "helpful")
    assert note.actor == author and note.comment == answer
    assert notes(author, "helpful") == []


def test_a_mention_tells_the_member_mentioned_once(community, experience, author, commenter):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    comment = services.comment_create(
        post=experience, author=commenter, body=f"@{member_handle(named)} saw this on her ward."
    )
    services.comment_update(
        comment=comment, editor=commenter, body=f"@{member_handle(named)} saw this too."
    )

    (note,) = notes(named)
    assert (note.kind, note.comment, note.actor) == ("mention", comment, commenter)
    assert [n.kind for n in notes(author)] == ["reply"]


def test_a_mention_of_the_post_author_is_one_notification(experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body=f"@{member_handle(author)} yes")

    assert [n.kind for n in notes(author)] == ["reply"]


def test_a_mention_in_a_new_post_tells_the_member(community, author):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    data = {**EXPERIENCE, "learned": f"Ask @{member_handle(named)}, she started it."}

    post = services.post_create(community=community, author=author, kind="experience", data=data)

    (note,) = notes(named)
    assert (note.kind, note.post, note.comment, note.actor) == ("mention", post, None, author)


def test_i_applied_this_tells_the_author_once(community, experience, author, commenter):
    for active in (True, False, True):
        services.reaction_set(
            post=experience, user=commenter, kind="applied", active=active, note="It worked"
        )
    services.reaction_set(post=experience, user=commenter, kind="helpful", active=True)

    (note,) = notes(author)
    assert (note.kind, note.actor, note.summary) == ("applied", commenter, "It worked")


def test_membership_decisions_tell_the_applicant(facilitator):
    community = launch_community(facilitator, name="On request", join_policy="request")
    approved, declined = UserFactory(), UserFactory()
    requests = [
        community_services.membership_request(
            community=community, user=user, answers=[], accepted_rules=True
        )
        for user in (approved, declined)
    ]

    community_services.membership_approve(membership=requests[0], by=facilitator, message="Hi!")
    community_services.membership_decline(membership=requests[1], by=facilitator, message="Sorry")

    (yes,) = notes(approved)
    (no,) = notes(declined)
    assert yes.kind == no.kind == "membership"
    assert "was approved" in yes.summary and "Hi!" in yes.summary
    assert "was declined" in no.summary and "Sorry" in no.summary
    assert notes(facilitator, "membership") == []
    # One email each, from the notification: no second, direct one.
    notifications.send_notification_emails(now=later())
    assert [len(emails_to(approved)), len(emails_to(declined))] == [1, 1]
    assert "Hi!" in emails_to(approved)[0].body_text


def test_an_invitation_notifies_an_account_holder_and_emails_anyone_else(community, facilitator):
    invitee = UserFactory(email="invitee@practica.test")

    invitations = community_services.invitations_create(
        community=community, by=facilitator, emails=[invitee.email, "newcomer@example.org"]
    )

    (note,) = notes(invitee)
    assert note.kind == "invitation" and note.url == invitations[0].get_absolute_url()
    assert emails_to(invitee) == []
    assert OutboundEmail.objects.filter(to="newcomer@example.org", kind="invitation").exists()
    notifications.send_notification_emails(now=later())
    (email,) = emails_to(invitee)
    assert invitations[0].get_absolute_url() in email.body_text


def test_an_invitation_to_a_hidden_community_still_reaches_the_member(facilitator):
    community = launch_community(facilitator, name="Quiet room", visibility="hidden")
    invitee = UserFactory()

    community_services.invitations_create(
        community=community, by=facilitator, emails=[invitee.email]
    )

    assert [n.kind for n in notes(invitee)] == ["invitation"]


def test_a_material_charter_version_tells_members_who_must_accept_it(community, facilitator):
    member = join(community).user
    community_services.rule_add(community=community, title="Ask before you copy")

    community_services.charter_publish(community=community, by=facilitator, is_material=False)
    assert notes(member) == []
    community_services.charter_publish(
        community=community, by=facilitator, is_material=True, summary="Credit your sources"
    )

    (note,) = notes(member)
    assert (note.kind, note.community, note.summary) == (
        "charter",
        community,
        "Credit your sources",
    )
    assert notes(facilitator) == []


def test_followers_of_a_post_hear_of_new_comments_unless_told_already(
    community, experience, author, commenter
):
    follower, named = join(community).user, join(community).user
    for user in (follower, named):
        services.post_follow_set(post=experience, user=user, active=True)

    comment = services.comment_create(
        post=experience, author=commenter, body=f"Thanks @{member_handle(named)}!"
    )

    assert [(n.kind, n.comment) for n in notes(follower)] == [("followed_post", comment)]
    assert [n.kind for n in notes(named)] == ["mention"]
    assert [n.kind for n in notes(author)] == ["reply"]
    assert notes(commenter) == []


def test_followers_of_a_topic_hear_of_new_posts_they_can_read(facilitator):
    public = launch_community(facilitator, name="Open ward")
    closed = launch_community(facilitator, name="Closed ward", visibility="members")
    writer, member, outsider = UserFactory(), UserFactory(), UserFactory()
    for community in (public, closed):
        join(community, writer)
    join(closed, member)
    for user in (member, outsider, writer):
        services.tag_follow_set(tag=_tag("handover"), user=user, active=True)

    services.post_create(
        community=public, author=writer, kind="experience", data=EXPERIENCE, tags=["handover"]
    )
    in_closed = services.post_create(
        community=closed, author=writer, kind="experience", data=EXPERIENCE, tags=["handover"]
    )

    assert [n.kind for n in notes(outsider)] == ["followed_tag"]
    assert [(n.kind, n.post) for n in notes(member)][-1] == ("followed_tag", in_closed)
    assert Notification.objects.filter(recipient=outsider, post=in_closed).count() == 0
    assert notes(writer) == []


def _tag(name: str):
    from taggit.models import Tag

    return Tag.objects.get_or_create(name=name, slug=name)[0]


def test_nobody_hears_about_a_post_they_can_no_longer_read(facilitator):
    community = launch_community(facilitator, name="Closed ward", visibility="members")
    author, commenter = join(community).user, join(community).user
    post = services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    community_services.membership_leave(membership=Membership.objects.get(user=author))

    services.comment_create(post=post, author=commenter, body="Anyone?")

    assert notes(author) == []


def test_drafts_notify_nobody_until_published(community, author):
    named = join(community, UserFactory(display_name="Mina Mentioned")).user
    data = {**EXPERIENCE, "learned": f"Thanks @{member_handle(named)}"}
    draft = services.post_create(
        community=community, author=author, kind="experience", data=data, publish=False
    )
    assert notes(named) == []

    services.post_update(post=draft, editor=author, data={}, publish=True)

    assert [n.kind for n in notes(named)] == ["mention"]


# --- Channels -------------------------------------------------------------------------


def test_each_member_s_channel_decides_the_email(community, experience, commenter, author):
    follower = join(community).user
    quiet = join(community).user
    services.post_follow_set(post=experience, user=follower, active=True)
    services.post_follow_set(post=experience, user=quiet, active=True)
    NotificationSetting.objects.create(user=quiet, kind="followed_post", channel="off")
    before = timezone.now()

    services.comment_create(post=experience, author=commenter, body="Same here.")

    (reply,) = notes(author)  # replies are emailed right away by default
    assert reply.email_status == "pending"
    assert before + settings.NOTIFICATION_EMAIL_DELAY <= reply.email_due_at
    assert reply.email_due_at <= timezone.now() + settings.NOTIFICATION_EMAIL_DELAY
    assert [n.email_status for n in notes(follower)] == ["digest"]
    assert [n.email_status for n in notes(quiet)] == ["none"]


def test_a_member_s_own_choice_overrides_the_default(experience, author, commenter):
    NotificationSetting.objects.create(user=author, kind="reply", channel="digest")

    services.comment_create(post=experience, author=commenter, body="Same here.")

    assert [(n.email_status, n.email_due_at) for n in notes(author)] == [("digest", None)]


# --- Immediate emails -----------------------------------------------------------------


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


def test_the_periodic_task_sends_what_is_due(experience, author, commenter, settings):
    settings.NOTIFICATION_EMAIL_DELAY = timedelta(0)
    services.comment_create(post=experience, author=commenter, body="Hello")

    assert send_task.delay().get() == 1
    assert len(emails_to(author)) == 1
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert str(schedule["members.send_notification_emails"]["schedule"]._orig_minute) == "*"


# --- Pages ----------------------------------------------------------------------------


def make_notifications(user, count: int, *, community, actor) -> None:
    posts = [
        Post.objects.create(
            community=community,
            author=user,
            kind="experience",
            title=f"Post {i}",
            published_at=timezone.now(),
        )
        for i in range(2)
    ]
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            actor=actor,
            kind="reply",
            community=community,
            post=posts[i % 2],
            summary=f"Reply number {i}",
            url=posts[i % 2].get_absolute_url(),
        )
        for i in range(count)
    )


def test_the_notifications_page_asks_to_sign_in(client):
    response = client.get(reverse("members:notifications"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_notifications_page_lists_only_my_own_newest_first(
    client, experience, author, commenter, community
):
    services.comment_create(post=experience, author=commenter, body="First comment")
    services.comment_create(post=experience, author=join(community).user, body="Second comment")
    services.comment_create(post=experience, author=author, body="My answer")
    client.force_login(author)

    page = client.get(reverse("members:notifications")).content.decode()

    assert page.index("Second comment") < page.index("First comment")
    assert page.count("notification--unread") == 2
    assert "My answer" not in page
    client.force_login(commenter)
    assert "First comment" not in client.get(reverse("members:notifications")).content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_the_notifications_page_needs_the_same_queries_at_any_size(
    client, community, author, commenter, count, django_assert_max_num_queries
):
    make_notifications(author, count, community=community, actor=commenter)
    client.force_login(author)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:notifications"))

    assert response.status_code == 200
    assert response.content.decode().count('class="notification ') == min(count, 20)


def test_older_notifications_are_a_page_away(client, community, author, commenter):
    make_notifications(author, 25, community=community, actor=commenter)
    client.force_login(author)

    first = client.get(reverse("members:notifications"))
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("members:notifications"), {"after": cursor}).content.decode()

    assert "Reply number 24" in first.content.decode()
    assert "Reply number 4" in second and "Reply number 5" not in second
    assert second.count('class="notification ') == 5


def test_what_can_no_longer_be_seen_shows_without_its_title(
    client, experience, author, commenter, facilitator
):
    comment = services.comment_create(post=experience, author=commenter, body="Rude words")
    services.comment_set_hidden(comment=comment, by=facilitator, hidden=True, reason="Rude")
    client.force_login(author)

    page = client.get(reverse("members:notifications")).content.decode()

    assert "Rude words" not in page
    assert "no longer available" in page


def test_mark_all_read(client, experience, author, commenter, community):
    services.comment_create(post=experience, author=commenter, body="One")
    services.comment_create(post=experience, author=join(community).user, body="Two")
    client.force_login(author)

    response = client.post(reverse("members:notifications_read"), {"all": "1"}, follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert all(n.read_at for n in notes(author))
    assert "notification--unread" not in response.content.decode()


def test_mark_read_is_a_post(client, author):
    client.force_login(author)

    assert client.get(reverse("members:notifications_read")).status_code == 405


def test_opening_a_notification_reads_it_and_goes_to_its_target(
    client, experience, author, commenter, community
):
    first = services.comment_create(post=experience, author=commenter, body="One")
    services.comment_create(post=experience, author=join(community).user, body="Two")
    note = notes(author)[0]
    client.force_login(author)

    response = client.get(reverse("members:notification_open", args=[note.pk]))

    assert response.status_code == 302
    assert response.url == first.get_absolute_url()
    # Both are about the same post, which the member is about to read.
    assert all(n.read_at for n in notes(author))


def test_someone_else_s_notification_does_not_exist_for_me(client, experience, author, commenter):
    services.comment_create(post=experience, author=commenter, body="One")
    note = notes(author)[0]
    client.force_login(commenter)

    response = client.get(reverse("members:notification_open", args=[note.pk]))

    assert response.status_code == 404
    assert notes(author)[0].read_at is None


def test_the_header_shows_the_unread_count_without_a_query_of_its_own(
    client, experience, author, commenter
):
    services.comment_create(post=experience, author=commenter, body="One")
    client.force_login(author)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()

    assert '1<span class="visually-hidden"> unread notifications</span>' in page
    counts = [q["sql"] for q in queries if 'FROM "members_notification"' in q["sql"]]
    assert len(counts) == 1 and 'FROM "members_user"' in counts[0]


def test_the_header_count_falls_back_to_one_count_query(rf, experience, author, commenter):
    from members.context_processors import notifications as processor

    services.comment_create(post=experience, author=commenter, body="One")
    request = rf.get("/")
    request.user = author  # loaded without the count

    unread = processor(request)["unread_notifications"]

    assert (unread.count, unread.label) == (1, "1")


def test_the_header_shows_no_count_to_anonymous_visitors(client, db):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()

    assert "unread notifications" not in page
    assert not any("members_notification" in q["sql"] for q in queries)


def test_the_preferences_page_needs_sign_in(client):
    response = client.get(reverse("members:notification_settings"))

    assert response.status_code == 302


def test_the_preferences_page_saves_every_choice(client, community, author):
    other = launch_community(UserFactory(), name="Second ward")
    join(other, author)
    kept, left_out = Membership.objects.filter(user=author).order_by("community__name")
    client.force_login(author)
    data = {f"kind_{kind}": "digest" for kind in NotificationKind.values}
    data.update({"kind_reply": "off", "digest_cadence": "daily", f"digest_{kept.pk}": "on"})

    response = client.post(reverse("members:notification_settings"), data, follow=True)

    assert "Your notification settings have been saved." in response.content.decode()
    assert notifications.channels_of(author)["reply"] == "off"
    assert notifications.channels_of(author)["mention"] == "digest"
    author.refresh_from_db()
    assert author.digest_cadence == "daily"
    kept.refresh_from_db()
    left_out.refresh_from_db()
    assert (kept.digest_opt_out, left_out.digest_opt_out) == (False, True)
    page = response.content.decode()
    assert 'name="kind_reply" value="off" id="id_kind_reply_2" required checked' in page
    assert 'name="digest_cadence" value="daily"' in page


def test_the_preferences_page_keeps_the_input_when_a_choice_is_invalid(client, author):
    client.force_login(author)
    data = {"kind_reply": "off", "kind_mention": "carrier-pigeon", "digest_cadence": "daily"}

    response = client.post(reverse("members:notification_settings"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please check the choices marked below." in page
    assert 'name="kind_reply" value="off" id="id_kind_reply_2" required checked' in page
    assert 'value="daily" id="id_digest_cadence_0" required checked' in page
    assert NotificationSetting.objects.filter(user=author).count() == 0


def test_the_settings_navigation_links_to_notifications(client, author):
    client.force_login(author)

    page = client.get(reverse("members:profile_edit")).content.decode()

    assert f'href="{reverse("members:notification_settings")}"' in page


# --- Admin ----------------------------------------------------------------------------


def test_the_admin_lists_and_filters_notifications(client, staff_user, experience, commenter):
    services.comment_create(post=experience, author=commenter, body="One")
    TOTP.activate(staff_user, generate_totp_secret())
    client.force_login(staff_user)
    url = reverse("admin:members_notification_changelist")

    for query in (
        {},
        {"kind__exact": "reply"},
        {"email_status__exact": "pending"},
        {"read_at__isempty": "1"},
        {"q": "member"},
    ):
        assert client.get(url, query).status_code == 200
    assert client.get(reverse("admin:members_notificationsetting_changelist")).status_code == 200


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
