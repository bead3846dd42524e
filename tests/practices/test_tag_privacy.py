"""A community's topic page does not tell whether a topic exists elsewhere."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from practices.models import Post
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _normalised(html: bytes, tag: str) -> str:
    text = html.decode().replace(tag, "TAG")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", text)


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_topic_used_only_in_a_hidden_community_looks_like_an_unknown_one(client, who):
    public = CommunityFactory()
    hidden = CommunityFactory(hidden=True)
    author = MembershipFactory(community=hidden).user
    post = Post.objects.create(
        community=hidden,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        title="Secret",
        tried="x",
        happened="y",
        learned="z",
        published_at=timezone.now(),
    )
    post.tags.set(["zqhiddenonly"])
    if who == "outsider":
        client.force_login(UserFactory())

    used = client.get(reverse("practices:community_tag", args=[public.slug, "zqhiddenonly"]))
    unknown = client.get(reverse("practices:community_tag", args=[public.slug, "zqneverused"]))

    assert used.status_code == unknown.status_code == 200
    assert _normalised(used.content, "zqhiddenonly") == _normalised(unknown.content, "zqneverused")
