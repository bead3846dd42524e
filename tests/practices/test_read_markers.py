"""What is new since a member's last visit: "New" on posts, "3 new comments", "N new
posts" on community cards, and "Mark all as read"."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from practices import services
from practices.models import CommunityRead, Post, PostRead
from practices.querysets import NEW_POSTS_CAP, memberships_with_new_posts
from tests.builders import add_member, launch_community
from tests.factories import CommentFactory, MembershipFactory, PostFactory
from tests.staff import login_with_mfa

NEW_BADGE = '<span class="badge badge--new">New</span>'


def _feed(client, community, **params) -> str:
    response = client.get(reverse("practices:feed", args=[community.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def _open(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _new_posts(user, community) -> int:
    memberships = memberships_with_new_posts(Membership.objects.of_member(user), user)
    return memberships.get(community=community).new_posts


def _later(post, minutes: int = 1):
    """A time after `post` was published (comments written "later" in a test)."""
    return post.published_at + timedelta(minutes=minutes)


def test_a_post_published_after_joining_is_new_until_the_member_opens_it(
    client, community, member, other_member
):
    post = PostFactory(community=community, author=other_member, title="Night rota swap")
    client.force_login(member)
    assert NEW_BADGE in _feed(client, community)
    assert _new_posts(member, community) == 1

    _open(client, post)
    assert NEW_BADGE not in _feed(client, community)
    assert _new_posts(member, community) == 0


def test_posts_from_before_joining_and_their_own_posts_are_not_new(
    client, community, member, other_member
):
    membership = Membership.objects.get(user=member, community=community)
    PostFactory(
        community=community,
        author=other_member,
        published_at=membership.joined_at - timedelta(days=1),
    )
    PostFactory(community=community, author=member)
    client.force_login(member)
    assert NEW_BADGE not in _feed(client, community)
    assert _new_posts(member, community) == 0


def test_comments_after_the_last_visit_are_counted_on_the_card_and_marked_on_the_page(
    client, community, member, other_member
):
    post = PostFactory(community=community, author=other_member, title="Night rota swap")
    CommentFactory(post=post, author=other_member)
    client.force_login(member)
    _open(client, post)
    assert "new comment" not in _feed(client, community)

    later = timezone.now() + timedelta(minutes=5)
    comment = CommentFactory(post=post, author=other_member, created_at=later, body="Try it")
    CommentFactory(post=post, author=member, created_at=later)  # their own: not new
    html = _feed(client, community)
    assert "1 new comment<" in html and NEW_BADGE not in html

    with time_machine.travel(later + timedelta(minutes=5)):
        page = _open(client, post)
        assert "1 new comment since your last visit: jump to the first" in page
        assert f'href="#comment-{comment.pk}"' in page
        assert page.count('<span class="badge badge--new">New</span>') == 1

        # The visit read them: nothing is new on the next one.
        page = _open(client, post)
        assert "since your last visit" not in page and "badge--new" not in page
        assert "new comment" not in _feed(client, community)


def test_hidden_and_deleted_comments_are_not_new(
    client, community, member, other_member, facilitator
):
    post = PostFactory(community=community, author=other_member)
    client.force_login(member)
    _open(client, post)
    later = timezone.now() + timedelta(minutes=5)
    CommentFactory(post=post, author=other_member, created_at=later, hidden_at=later)
    CommentFactory(post=post, author=other_member, created_at=later, status="deleted")
    assert "new comment" not in _feed(client, community)
    assert "since your last visit" not in _open(client, post)


def test_mark_all_as_read_clears_one_community_and_keeps_later_posts_new(
    client, community, member, other_member, facilitator
):
    elsewhere = launch_community(facilitator, name="Elsewhere", without_posts=True)
    add_member(elsewhere, member)
    seen = PostFactory(community=community, author=other_member)
    PostFactory(community=community, author=other_member)
    PostFactory(community=elsewhere, author=facilitator)
    client.force_login(member)
    _open(client, seen)
    CommentFactory(post=seen, author=other_member, created_at=timezone.now() + timedelta(seconds=1))
    assert _new_posts(member, community) == 1
    assert "1 new comment<" in _feed(client, community)

    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        response = client.post(reverse("practices:mark_read", args=[community.slug]))
        assert response.status_code == 302
        assert response["Location"] == reverse("practices:feed", args=[community.slug])
        assert _new_posts(member, community) == 0
        assert _new_posts(member, elsewhere) == 1
        html = _feed(client, community)
        assert NEW_BADGE not in html and "new comment" not in html
        assert "Everything in" in html and "is marked as read." in html

    later = timezone.now() + timedelta(minutes=2)
    PostFactory(community=community, author=other_member, published_at=later)
    assert _new_posts(member, community) == 1


def test_mark_all_as_read_by_htmx_answers_with_the_feed_without_markers(
    client, community, member, other_member
):
    PostFactory(community=community, author=other_member, title="Night rota swap")
    client.force_login(member)
    url = reverse("practices:mark_read", args=[community.slug])
    response = client.post(f"{url}?sort=active", headers={"hx-request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="feed-posts"')
    assert "Night rota swap" in html and NEW_BADGE not in html
    assert "Everything here is marked as read." in html
    assert f'hx-post="{url}?sort=active"' in html
    assert CommunityRead.objects.filter(user=member, community=community).count() == 1
    # Twice is the same as once: still one watermark.
    client.post(url, headers={"hx-request": "true"})
    assert CommunityRead.objects.filter(user=member, community=community).count() == 1


def test_only_active_members_mark_a_community_as_read(client, community, outsider, staff_user):
    for person in (outsider, staff_user):
        if person.is_staff:
            login_with_mfa(client, person)
        else:
            client.force_login(person)
        response = client.post(reverse("practices:mark_read", args=[community.slug]))
        assert response.status_code == 403
    assert not CommunityRead.objects.exists()
    assert "Mark all as read" not in _feed(client, community)


def test_the_feed_offers_mark_all_as_read_to_members(client, community, member, other_member):
    client.force_login(member)
    assert "Mark all as read" not in _feed(client, community)  # nothing to read yet
    PostFactory(community=community, author=other_member)
    html = _feed(client, community)
    assert "Mark all as read" in html
    client.logout()
    assert "Mark all as read" not in _feed(client, community)


def test_counts_leave_out_hidden_drafts_and_posts_waiting_for_approval(
    client, community, member, other_member, facilitator
):
    PostFactory(community=community, author=other_member)
    hidden = PostFactory(community=community, author=other_member)
    services.post_set_hidden(post=hidden, by=facilitator, hidden=True, reason="Off topic")
    PostFactory(community=community, author=other_member, draft=True)
    PostFactory(community=community, author=other_member, status=Post.Status.PENDING)
    assert _new_posts(member, community) == 1
    # A facilitator reads the hidden post, but it is not news to count either.
    assert _new_posts(facilitator, community) == 1


def test_home_my_communities_and_the_directory_show_the_count(
    client, community, member, other_member
):
    PostFactory.create_batch(3, community=community, author=other_member)
    client.force_login(member)
    for name in ("home", "communities:mine", "communities:directory"):
        html = client.get(reverse(name)).content.decode()
        assert '<span class="badge badge--new">3 new posts</span>' in html, name
    client.logout()
    html = client.get(reverse("communities:directory")).content.decode()
    assert "new posts" not in html


def test_the_count_stops_at_99(client, community, member, other_member):
    PostFactory.create_batch(NEW_POSTS_CAP + 5, community=community, author=other_member)
    assert _new_posts(member, community) == NEW_POSTS_CAP + 1
    client.force_login(member)
    html = client.get(reverse("communities:mine")).content.decode()
    assert '<span class="badge badge--new">99+ new posts</span>' in html


def test_former_members_see_no_counts_and_no_markers(client, community, other_member):
    former = MembershipFactory(community=community, status=Membership.Status.LEFT).user
    PostFactory(community=community, author=other_member)
    client.force_login(former)
    html = client.get(reverse("communities:directory")).content.decode()
    assert "new post" not in html
    assert NEW_BADGE not in _feed(client, community)  # a public community: they still read


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_readers_who_are_not_members_write_nothing_on_the_post_page(
    client, community, other_member, outsider, staff_user, who
):
    post = PostFactory(community=community, author=other_member)
    if who == "outsider":
        client.force_login(outsider)
    elif who == "staff":
        login_with_mfa(client, staff_user)
    with CaptureQueriesContext(connection) as captured:
        _open(client, post)
    writes = [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [w for w in writes if "practices_" in w], writes
    assert not PostRead.objects.exists()


def test_a_post_page_view_writes_one_upsert_and_a_feed_view_none(
    client, community, member, other_member
):
    post = PostFactory(community=community, author=other_member)
    CommentFactory.create_batch(3, post=post, author=other_member)
    client.force_login(member)
    _feed(client, community)  # the session settles
    for _visit in range(2):
        with CaptureQueriesContext(connection) as captured:
            _open(client, post)
        writes = [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(writes) == 1, writes
        assert writes[0].startswith('INSERT INTO "practices_postread"')
        assert "ON CONFLICT" in writes[0]
    assert PostRead.objects.filter(user=member, post=post).count() == 1

    with CaptureQueriesContext(connection) as captured:
        _feed(client, community)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in captured)


def test_drafts_are_not_recorded_as_read(client, community, member):
    draft = PostFactory(community=community, author=member, draft=True)
    client.force_login(member)
    _open(client, draft)
    assert not PostRead.objects.exists()


def test_the_unread_annotation_marks_nothing_for_a_signed_out_reader(community, other_member):
    PostFactory(community=community, author=other_member)
    anonymous = AnonymousUser()
    post = Post.objects.visible_to(anonymous).with_unread(anonymous).get()
    assert post.is_new is False and post.new_comments == 0


def test_the_unread_annotation_follows_the_post_page(community, member, other_member):
    post = PostFactory(community=community, author=other_member)
    CommentFactory.create_batch(2, post=post, author=other_member, created_at=_later(post))
    fresh = Post.objects.visible_to(member).with_unread(member).get()
    assert fresh.is_new and fresh.new_comments == 2
    membership = Membership.objects.get(user=member, community=community)
    services.post_mark_read(post=post, user=member, membership=membership, at=_later(post, 2))
    read = Post.objects.visible_to(member).with_unread(member).get()
    assert not read.is_new and read.new_comments == 0
    CommentFactory(post=post, author=other_member, created_at=_later(post, 3))
    assert Post.objects.visible_to(member).with_unread(member).get().new_comments == 1


def test_markers_speak_german(client, community, member, other_member):
    post = PostFactory(community=community, author=other_member)
    CommentFactory(post=post, author=other_member)
    client.force_login(member)
    member.language = "de"
    member.save(update_fields=["language"])
    german = {"headers": {"accept-language": "de"}}
    feed = client.get(reverse("practices:feed", args=[community.slug]), **german)
    html = feed.content.decode()
    assert '<span class="badge badge--new">Neu</span>' in html
    assert "1 neuer Kommentar<" in html and "Alle als gelesen markieren" in html
    home = client.get(reverse("home"), **german).content.decode()
    assert '<span class="badge badge--new">1 neuer Beitrag</span>' in home
    page = client.get(post.get_absolute_url(), **german).content.decode()
    assert "1 neuer Kommentar seit Ihrem letzten Besuch: zum ersten springen" in page


def test_a_feed_with_markers_is_not_kept_for_the_back_button(client, community, member):
    url = reverse("practices:feed", args=[community.slug])
    assert "no-store" not in client.get(url).get("Cache-Control", "")
    client.force_login(member)
    response = client.get(url)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "data-fresh-on-return" in response.content.decode()


ROLES = ["anonymous", "outsider", "member", "facilitator", "staff", "left"]


@pytest.mark.parametrize("role", ROLES)
def test_the_mark_all_as_read_button_shows_exactly_when_the_service_allows_it(
    client, community, member, facilitator, outsider, staff_user, role
):
    people = {
        "anonymous": AnonymousUser(),
        "outsider": outsider,
        "member": member,
        "facilitator": facilitator,
        "staff": staff_user,
        "left": MembershipFactory(community=community, status=Membership.Status.LEFT).user,
    }
    PostFactory(community=community, author=facilitator)
    user = people[role]
    if role == "staff":
        login_with_mfa(client, user)
    elif user.is_authenticated:
        client.force_login(user)
    response = client.get(reverse("practices:feed", args=[community.slug]))
    shown = response.context["can_mark_read"]
    try:
        services.community_mark_read(community=community, user=user)
    except PermissionDenied:
        allowed = False
    else:
        allowed = True
    assert shown == allowed == (role in ("member", "facilitator")), role
    assert ("Mark all as read" in response.content.decode()) == shown


def test_mark_all_as_read_drops_the_visits_it_makes_redundant(
    client, community, member, other_member, facilitator
):
    elsewhere = launch_community(facilitator, name="Elsewhere", without_posts=True)
    add_member(elsewhere, member)
    here = PostFactory(community=community, author=other_member)
    there = PostFactory(community=elsewhere, author=facilitator)
    client.force_login(member)
    _open(client, here)
    _open(client, there)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        services.community_mark_read(community=community, user=member)
    assert list(PostRead.objects.values_list("post", flat=True)) == [there.pk]
    # What they read stays read: the watermark covers it.
    assert NEW_BADGE not in _feed(client, community)


def test_the_community_overview_marks_new_posts_for_members(
    client, community, member, other_member
):
    post = PostFactory(community=community, author=other_member)
    CommentFactory(post=post, author=other_member)
    url = reverse("communities:detail", args=[community.slug])
    assert "badge--new" not in client.get(url).content.decode()
    client.force_login(member)
    response = client.get(url)
    html = response.content.decode()
    assert NEW_BADGE in html and "1 new comment<" in html
    assert "no-store" in response["Cache-Control"]
    _open(client, post)
    assert "badge--new" not in client.get(url).content.decode()
