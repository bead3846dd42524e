"""The staff's admin pages for notifications and notification settings."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from members.models import Notification
from practices import services


def test_the_admin_lists_and_filters_notifications(client, staff_user, experience, commenter):
    services.comment_create(post=experience, author=commenter, body="One")
    TOTP.activate(staff_user, generate_totp_secret())
    client.force_login(staff_user)
    url = reverse("admin:members_notification_changelist")

    (note,) = Notification.objects.all()

    for query in (
        {},
        {"kind__exact": "reply"},
        {"email_status__exact": "pending"},
        {"read_at__isempty": "1"},
        {"q": "member"},
    ):
        assert client.get(url, query).status_code == 200
    for query in ({}, {"kind__exact": "reply"}, {"email_status__exact": "pending"}):
        assert reverse("admin:members_notification_change", args=[note.pk]) in (
            client.get(url, query).content.decode()
        )
    assert reverse("admin:members_notification_change", args=[note.pk]) not in (
        client.get(url, {"kind__exact": "mention"}).content.decode()
    )
    assert client.get(reverse("admin:members_notificationsetting_changelist")).status_code == 200
