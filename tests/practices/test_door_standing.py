"""The post door decides from the viewer's standing, looked up once, exactly what the
scoped querysets decide: for every stage, visibility, membership, status and author."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from communities.access import access_community
from communities.models import Community, Membership
from communities.permissions import check_can_moderate, membership_of, reads_content
from config.permissions import can
from practices.access import access_post
from practices.models import Comment, Post
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    PostFactory,
    StaffFactory,
    UserFactory,
)
from tests.staff import privileged

STANDINGS = {
    "member": {"role": Membership.Role.MEMBER},
    "core": {"role": Membership.Role.CORE},
    "facilitator": {"role": Membership.Role.FACILITATOR},
    "pending": {"pending": True},
    "banned": {"banned": True},
    "left": {"status": Membership.Status.LEFT},
    "removed facilitator": {
        "role": Membership.Role.FACILITATOR,
        "status": Membership.Status.REMOVED,
    },
}


@pytest.fixture
def world(db):
    """Nine communities (three stages, three visibilities), people of every standing in
    each, and posts of every status by an active member and by a member who left."""
    people = {name: UserFactory(display_name=name.title()) for name in STANDINGS}
    author, former = UserFactory(display_name="Ann Author"), UserFactory(display_name="Fred")
    posts = []
    for stage in Community.Stage.values:
        for visibility in Community.Visibility.values:
            community = CommunityFactory(stage=stage, visibility=visibility)
            for name, traits in STANDINGS.items():
                MembershipFactory(community=community, user=people[name], **traits)
            MembershipFactory(community=community, user=author)
            MembershipFactory(community=community, user=former, status=Membership.Status.LEFT)
            for writer in (author, former):
                for status in (Post.Status.PUBLISHED, Post.Status.DRAFT, Post.Status.PENDING):
                    posts.append(PostFactory(community=community, author=writer, status=status))
                hidden = PostFactory(community=community, author=writer, hidden_at=timezone.now())
                posts.append(hidden)
            published = posts[-8]
            CommentFactory(post=published, author=author)
            CommentFactory(post=published, author=former, hidden_at=timezone.now())
            CommentFactory(post=published, author=people["member"], hidden_at=timezone.now())
            CommentFactory(post=published, author=author, status=Comment.Status.DELETED)
    viewers = {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "author": author,
        "former author": former,
        "staff with a second factor": privileged(StaffFactory()),
        "staff without one": StaffFactory(),
        **people,
    }
    return viewers, posts


def _door_opens(user, post: Post, *, with_drafts: bool) -> bool:
    try:
        access_post(user, post.community.slug, post.pk, with_drafts=with_drafts)
    except Http404:
        return False
    return True


def test_the_post_door_agrees_with_the_scoped_querysets(world):
    viewers, posts = world
    for who, user in viewers.items():
        visible = set(Post.objects.visible_to(user).values_list("pk", flat=True))
        with_drafts = visible | set(
            (Post.objects.drafts_of(user) | Post.objects.pending_visible_to(user)).values_list(
                "pk", flat=True
            )
        )
        for post in posts:
            where = f"{who}: {post.status} post, hidden={post.is_hidden}, {post.community.stage}"
            where += f"/{post.community.visibility}, by {post.author.display_name}"
            assert _door_opens(user, post, with_drafts=False) == (post.pk in visible), where
            assert _door_opens(user, post, with_drafts=True) == (post.pk in with_drafts), where


def test_reading_a_community_agrees_with_readable_by(world):
    viewers, posts = world
    communities = {post.community for post in posts}
    for who, user in viewers.items():
        readable = set(Community.objects.readable_by(user).values_list("pk", flat=True))
        for community in communities:
            decided = reads_content(user, community, membership_of(user, community))
            assert decided == (community.pk in readable), f"{who} in {community}"


def test_comments_on_an_opened_post_agree_with_visible_to(world):
    viewers, posts = world
    with_comments = [post for post in posts if post.comments.exists()]
    for who, user in viewers.items():
        for post in with_comments:
            if not _door_opens(user, post, with_drafts=False):
                continue
            membership = membership_of(user, post.community)
            moderates = can(check_can_moderate, user, post.community, membership)
            decided = set(Comment.objects.visible_on(post, user, moderates=moderates))
            scoped = set(Comment.objects.visible_to(user).filter(post=post))
            assert decided == scoped, f"{who} on {post.community}"


def _community_door_opens(user, community: Community, to: str) -> bool:
    try:
        opened, viewer = access_community(user, community.slug, to=to)
    except Http404:
        return False
    assert opened == community
    assert viewer == membership_of(user, community)
    return True


def test_the_community_door_agrees_with_the_scoped_querysets(world):
    viewers, posts = world
    communities = {post.community for post in posts}
    invitee = UserFactory()
    for community in communities:
        InvitationFactory(community=community, email=invitee.email)
    viewers = {**viewers, "invited": invitee}
    for who, user in viewers.items():
        visible = set(Community.objects.visible_to(user).values_list("pk", flat=True))
        readable = set(Community.objects.readable_by(user).values_list("pk", flat=True))
        for community in communities:
            where = f"{who} in {community.stage}/{community.visibility}"
            assert _community_door_opens(user, community, "see") == (community.pk in visible), where
            assert _community_door_opens(user, community, "read") == (community.pk in readable), (
                where
            )
