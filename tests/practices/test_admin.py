import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from practices import services
from practices.models import Comment, Post
from tests.builders import ask, share
from tests.practices.conftest_search import *  # noqa: F403
from tests.staff import login_with_mfa

MODELS = ["post", "comment", "reaction", "bookmark", "postfollow", "tagfollow", "mention"]


@pytest.fixture
def staff_client(client, staff_user):
    """Staff reach the admin only with an authenticator (see tests/members/test_admin.py)."""
    TOTP.activate(staff_user, generate_totp_secret())
    login_with_mfa(client, staff_user)
    return client


@pytest.fixture
def content(public_community, member, facilitator):
    post = share(
        public_community,
        member,
        "Bedside handover card",
        tags=["sbar"],
        learned="Mention @fran-facilitator when it works.",
    )
    question = ask(public_community, facilitator, "Who leads the huddle?")
    answer = services.comment_create(post=question, author=member, body="The nurse in charge.")
    services.reaction_set(post=post, user=facilitator, kind="applied", active=True, note="Worked")
    services.bookmark_set(post=post, user=facilitator, active=True)
    services.tag_follow_set(tag=post.tags.get(), user=facilitator, active=True)
    services.post_update(post=post, editor=member, data={"title": "Bedside handover card v2"})
    return {"post": post, "question": question, "answer": answer}


@pytest.mark.parametrize("model", [*MODELS, "postrevision"])
def test_staff_with_an_authenticator_see_every_practices_list(staff_client, content, model):
    response = staff_client.get(reverse(f"admin:practices_{model}_changelist"))

    assert response.status_code == 200


def test_the_post_list_shows_the_posts_and_searches_titles_and_authors(
    staff_client, content, member
):
    page = staff_client.get(reverse("admin:practices_post_changelist")).content.decode()
    assert "Bedside handover card v2" in page and "Who leads the huddle?" in page

    found = staff_client.get(reverse("admin:practices_post_changelist"), {"q": member.email})
    assert "Bedside handover card v2" in found.content.decode()
    assert "Who leads the huddle?" not in found.content.decode()


def test_the_post_form_opens_without_the_search_vector(staff_client, content):
    response = staff_client.get(reverse("admin:practices_post_change", args=[content["post"].pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="search_vector"' not in page
    assert 'name="comment_count"' not in page


def test_a_revision_is_read_only(staff_client, content):
    revision = content["post"].revisions.get()
    response = staff_client.get(reverse("admin:practices_postrevision_change", args=[revision.pk]))

    assert response.status_code == 200
    assert 'name="content"' not in response.content.decode()


def test_staff_hide_and_show_posts_through_the_service(staff_client, content, member, outsider):
    post = content["post"]
    url = reverse("admin:practices_post_changelist")

    staff_client.post(url, {"action": "hide", ACTION_CHECKBOX_NAME: [post.pk]})
    post.refresh_from_db()
    assert post.is_hidden and post.hidden_reason == "Hidden by site staff"
    assert not Post.objects.visible_to(outsider).filter(pk=post.pk).exists()

    staff_client.post(url, {"action": "unhide", ACTION_CHECKBOX_NAME: [post.pk]})
    post.refresh_from_db()
    assert not post.is_hidden and post.hidden_reason == ""


def test_hiding_a_comment_takes_it_out_of_search(staff_client, content):
    answer = content["answer"]

    staff_client.post(
        reverse("admin:practices_comment_changelist"),
        {"action": "hide", ACTION_CHECKBOX_NAME: [answer.pk]},
    )

    answer = Comment.objects.get(pk=answer.pk)
    question = Post.objects.get(pk=content["question"].pk)
    assert answer.is_hidden
    assert "nurse in charge" not in question.comments_text
    assert question.comment_count == 0


def test_posts_are_not_added_in_the_admin(staff_client, db):
    assert staff_client.get(reverse("admin:practices_post_add")).status_code == 403


@pytest.mark.parametrize("model", MODELS)
def test_members_who_are_not_staff_cannot_open_the_lists(client, member, model):
    client.force_login(member)

    response = client.get(reverse(f"admin:practices_{model}_changelist"), follow=True)

    assert response.status_code == 403
