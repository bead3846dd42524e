"""The new-post form suggests only topics from posts the writer could read."""

import pytest
from django.urls import reverse
from django.utils import timezone

from practices.models import Post
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _post(community, author, tag, **extra):
    post = Post.objects.create(
        community=community,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        title=f"About {tag}",
        tried="x",
        happened="y",
        learned="z",
        published_at=timezone.now(),
        **extra,
    )
    post.tags.set([tag])
    return post


def test_topics_used_only_on_hidden_posts_are_not_suggested(client):
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    writer = MembershipFactory(community=community).user
    _post(community, author, "zq-hidden-topic", hidden_at=timezone.now())
    _post(community, author, "handover")
    client.force_login(writer)

    page = client.get(reverse("practices:create", args=[community.slug, "experience"]))

    content = page.content.decode()
    assert page.status_code == 200
    assert "handover" in content
    assert "zq-hidden-topic" not in content
