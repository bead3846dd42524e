"""A member's profile shows only what the viewer may read of their contributions."""

import re

import pytest
from django.urls import reverse

from practices import services
from tests.factories import UserFactory
from tests.practices.conftest_search import *  # noqa: F403
from tests.practices.conftest_search import ask, join, share


@pytest.fixture
def contributions(public_community, private_community, member, facilitator):
    """`member` shares in an open and a members-only community and answers in both."""
    share(public_community, member, "Open ward handover card")
    share(private_community, member, "Closed ward isolation routine")
    open_question = ask(public_community, facilitator, "How do you start the day?")
    closed_question = ask(private_community, facilitator, "Who checks the isolation bay?")
    services.comment_create(
        post=open_question, author=member, body="A five-minute huddle at the nurses' station."
    )
    services.comment_create(
        post=closed_question, author=member, body="The nurse in charge, every two hours."
    )


def stat(page: str, label: str) -> int:
    match = re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", page)
    assert match, label
    return int(match.group(1))


def profile_of(client, user) -> str:
    response = client.get(reverse("members:profile", args=[user.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_fellow_member_sees_everything_with_matching_counts(
    client, contributions, member, private_community, public_community
):
    fellow = UserFactory()
    join(public_community, fellow)
    join(private_community, fellow)
    client.force_login(fellow)

    page = profile_of(client, member)

    assert "Open ward handover card" in page and "Closed ward isolation routine" in page
    assert "five-minute huddle" in page and "every two hours" in page
    assert public_community.name in page and private_community.name in page
    assert stat(page, "Experiences shared") == 2
    assert stat(page, "Answers to challenges") == 2
    assert stat(page, "Communities") == 2


def test_a_non_member_finds_nothing_of_a_members_only_community(
    client, contributions, member, outsider, private_community, public_community
):
    join(public_community, outsider)  # profiles are for people who share a community
    client.force_login(outsider)

    page = profile_of(client, member)

    assert "Open ward handover card" in page and "five-minute huddle" in page
    assert public_community.name in page
    assert "Closed ward isolation routine" not in page
    assert "every two hours" not in page
    assert "isolation bay" not in page
    assert private_community.name not in page
    assert stat(page, "Experiences shared") == 1
    assert stat(page, "Answers to challenges") == 1
    assert stat(page, "Communities") == 1


def test_a_hidden_post_shows_to_facilitators_marked_and_not_to_others(
    client, member, facilitator, public_community, outsider
):
    post = share(public_community, member, "Off-topic shift swap")
    services.post_set_hidden(post=post, by=facilitator, hidden=True, reason="Off topic")
    join(public_community, outsider)  # profiles are for people who share a community

    client.force_login(outsider)
    assert "Off-topic shift swap" not in profile_of(client, member)

    client.force_login(facilitator)
    page = profile_of(client, member)
    assert "Off-topic shift swap" in page
    assert "Hidden by facilitators" in page


def test_only_answers_to_challenges_count_as_answers(client, member, facilitator, public_community):
    experience = share(public_community, facilitator, "Evening routine")
    services.comment_create(post=experience, author=member, body="Nice idea, thanks.")
    client.force_login(facilitator)

    page = profile_of(client, member)

    assert stat(page, "Answers to challenges") == 0
    assert "Nice idea, thanks." not in page


def test_visitors_must_sign_in_to_see_a_profile(client, contributions, member):
    response = client.get(reverse("members:profile", args=[member.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_profile_page_keeps_a_small_fixed_number_of_queries(
    client, member, public_community, facilitator, django_assert_max_num_queries
):
    client.force_login(facilitator)
    for number in range(3):
        share(public_community, member, f"Experience {number}")
    with django_assert_max_num_queries(10):
        client.get(reverse("members:profile", args=[member.pk]))
    for number in range(3, 15):
        share(public_community, member, f"Experience {number}", tags=[f"topic {number}"])
    with django_assert_max_num_queries(10):
        client.get(reverse("members:profile", args=[member.pk]))
