"""Staff powers on the site need a session authenticated with a second factor; with a
password alone, and in background jobs, staff are ordinary members."""

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from members import notifications
from members.models import NotificationKind
from practices.models import Post
from tests.factories import CommunityFactory, MembershipFactory, StaffFactory
from tests.staff import login_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden():
    return CommunityFactory(hidden=True)


@pytest.fixture
def post(hidden):
    author = MembershipFactory(community=hidden).user
    return Post.objects.create(
        community=hidden,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        title="A hidden ward's routine",
        tried="x",
        happened="y",
        learned="z",
        published_at=timezone.now(),
    )


def test_staff_signed_in_with_a_password_alone_are_ordinary_members(client, hidden, post):
    client.force_login(StaffFactory())

    home = client.get(reverse("communities:detail", args=[hidden.slug]))
    detail = client.get(post.get_absolute_url())
    hide = client.post(
        reverse("practices:hide", args=[hidden.slug, post.pk]), {"hide": "1", "reason": "x"}
    )

    assert home.status_code == detail.status_code == hide.status_code == 404
    post.refresh_from_db()
    assert post.hidden_at is None


def test_staff_with_a_second_factor_read_and_moderate(client, hidden, post):
    login_with_mfa(client, StaffFactory())

    home = client.get(reverse("communities:detail", args=[hidden.slug]))
    detail = client.get(post.get_absolute_url())
    client.post(
        reverse("practices:hide", args=[hidden.slug, post.pk]), {"hide": "1", "reason": "x"}
    )

    assert home.status_code == detail.status_code == 200
    post.refresh_from_db()
    assert post.hidden_at is not None


def test_background_jobs_treat_staff_as_ordinary_members(hidden, post):
    staff = StaffFactory()

    notified = notifications.notify(
        recipient=staff, kind=NotificationKind.FOLLOWED_TAG, post=post, summary="x"
    )

    assert notified is None
    assert not Community.objects.visible_to(staff).filter(pk=hidden.pk).exists()
