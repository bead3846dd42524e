"""Banned and removed authors keep no door into a hidden community: not to their drafts,
not to their posts waiting for approval, and not to marking answers helpful."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from practices import services
from practices.models import Comment, Post
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden():
    return CommunityFactory(hidden=True, name="Zq hidden ward")


@pytest.fixture
def facilitator(hidden):
    return MembershipFactory(community=hidden, facilitator=True).user


def _post(community, author, status, **extra):
    return Post.objects.create(
        community=community,
        author=author,
        kind=extra.pop("kind", Post.Kind.EXPERIENCE),
        title="Zq draft about the ward",
        tried="x",
        happened="y",
        learned="z",
        status=status,
        published_at=timezone.now() if status == Post.Status.PUBLISHED else None,
        **extra,
    )


def _end(membership, how, facilitator):
    if how == "banned":
        community_services.membership_ban(membership=membership, by=facilitator, reason="Spam")
    else:
        community_services.membership_remove(membership=membership, by=facilitator, reason="x")


@pytest.mark.parametrize("how", ["banned", "removed"])
@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PENDING])
def test_a_former_member_no_longer_opens_their_draft_or_pending_post(
    client, hidden, facilitator, how, status
):
    membership = MembershipFactory(community=hidden)
    author = membership.user
    post = _post(hidden, author, status)
    _end(membership, how, facilitator)
    client.force_login(author)

    detail = client.get(reverse("practices:detail", args=[hidden.slug, post.pk]))
    edit = client.get(reverse("practices:edit", args=[hidden.slug, post.pk]))
    drafts = client.get(reverse("practices:drafts"))

    assert detail.status_code == 404
    assert edit.status_code == 404
    assert "Zq draft about the ward" not in drafts.content.decode()
    assert "Zq hidden ward" not in drafts.content.decode()


@pytest.mark.parametrize("how", ["banned", "removed"])
def test_a_former_member_can_no_longer_mark_an_answer_helpful(hidden, facilitator, how):
    hidden.visibility = "public"
    hidden.save(update_fields=["visibility"])
    membership = MembershipFactory(community=hidden)
    author = membership.user
    challenge = _post(hidden, author, Post.Status.PUBLISHED, kind=Post.Kind.CHALLENGE)
    answerer = MembershipFactory(community=hidden).user
    answer = Comment.objects.create(post=challenge, author=answerer, body="Try this")
    _end(membership, how, facilitator)

    with pytest.raises(PermissionDenied):
        services.comment_mark_helpful(comment=answer, by=author)
