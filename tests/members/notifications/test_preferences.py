"""Each member's channel per kind decides the email, and the settings page that stores it."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from members import notifications
from members.models import NotificationKind, NotificationSetting
from practices import services
from tests.builders import launch_community
from tests.factories import UserFactory

from .helpers import join, notes


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


def test_the_preferences_page_needs_sign_in(client):
    response = client.get(reverse("members:notification_settings"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


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
