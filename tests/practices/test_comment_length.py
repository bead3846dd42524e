"""Editing a comment obeys the same length cap as writing one."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from practices import services
from practices.forms.posts import CommentForm
from practices.models import Comment, Post
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

CAP = CommentForm.base_fields["body"].max_length


@pytest.fixture
def comment():
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    post = Post.objects.create(
        community=community,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        title="t",
        tried="x",
        happened="y",
        learned="z",
        published_at=timezone.now(),
    )
    return Comment.objects.create(post=post, author=author, body="Short")


def test_the_service_refuses_an_edit_longer_than_a_new_comment_may_be(comment):
    with pytest.raises(ValidationError):
        services.comment_update(comment=comment, editor=comment.author, body="x" * (CAP + 1))


def test_the_edit_page_refuses_it_too(client, comment):
    client.force_login(comment.author)

    client.post(reverse("practices:comment_edit", args=[comment.pk]), {"body": "x" * (CAP + 1)})

    comment.refresh_from_db()
    assert comment.body == "Short"
