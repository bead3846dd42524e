"""Posts written through the services in the shared `community` (tests/conftest.py)."""

import pytest

from practices import services
from practices.models import Post
from tests.factories import PostFactory  # noqa: F401 (tests.digest_builders imports it here)


@pytest.fixture
def experience(community, member):
    return services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.EXPERIENCE,
        data={
            "title": "A printed SBAR card at every bed",
            "situation": "Night shift handover with agency nurses.",
            "tried": "A laminated card clipped to each bed.",
            "happened": "Slower in week one, four minutes faster per patient by week three.",
            "outcome": Post.Outcome.WORKED,
            "learned": "A physical prompt beats a form on the computer.",
        },
        tags=["handover", "SBAR"],
    )


@pytest.fixture
def challenge(community, member):
    return services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.CHALLENGE,
        data={
            "title": "How do you hand over patients with delirium?",
            "situation": "We keep losing what is normal for the patient.",
            "help_wanted": "A routine that worked for you.",
        },
        tags=["delirium"],
    )
