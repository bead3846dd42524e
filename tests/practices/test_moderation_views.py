"""The pages of reporting and review: the report form, the review queue, the log."""

import re

import pytest
from django.urls import reverse
from taggit.models import Tag

from communities.models import Community, ModerationAction, Report
from members.models import OutboundEmail
from practices import moderation
from practices import services as practices_services
from practices.models import Comment, Post, PostFollow
from tests import builders
from tests.builders import add_member
from tests.factories import UserFactory

EXPERIENCE = {
    "title": "Handover at the bedside",
    "tried": "We moved the evening handover to the bedside.",
    "happened": "Patients corrected two mistakes in the first week.",
    "learned": "Patients are the best check on a handover.",
}
RESPECT = "Respectful, constructive exchange"


def url(name: str, community: Community, *args) -> str:
    return reverse(f"communities:{name}", args=[community.slug, *args])


def rule_key(community: Community, title: str = RESPECT) -> str:
    return next(c.key for c in moderation.rule_choices(community) if c.title == title)


def text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def community(facilitator):
    return builders.launch_community(facilitator)


@pytest.fixture
def author(community):
    return add_member(community, UserFactory(display_name="Ari Author")).user


@pytest.fixture
def reader(community):
    return add_member(community, UserFactory(display_name="Rae Reader")).user


@pytest.fixture
def post(community, author):
    return practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )


def fill_queue(community, size: int) -> None:
    """`size` of each: reported posts, reported comments, posts hidden with a review
    request, and posts waiting for approval."""
    facilitator = community.memberships.facilitators().first().user
    reporters = [add_member(community).user for _ in range(2)]
    Community.objects.filter(pk=community.pk).update(
        premoderation_posts=1, new_member_comments_per_day=1000
    )
    community.refresh_from_db()
    for n in range(size):
        writer = add_member(community).user
        first = practices_services.post_create(
            community=community,
            author=writer,
            kind="experience",
            data={**EXPERIENCE, "title": f"Waiting {n}"},
        )
        moderation.post_approve(by=facilitator, post=first)
        reported = Post.objects.get(pk=first.pk)
        comment = practices_services.comment_create(
            post=reported, author=reporters[0], body=f"Comment {n}"
        )
        for person in reporters:
            moderation.report_create(
                reporter=person, post=reported, rule_id=rule_key(community), note=f"Note {n}"
            )
        moderation.report_create(reporter=reporters[1], comment=comment, rule_id="other", note="x")
        # One approved post is enough: the writer's second post is published at once.
        second = practices_services.post_create(
            community=community,
            author=writer,
            kind="experience",
            data={**EXPERIENCE, "title": f"Second {n}"},
        )
        moderation.review_hide(by=facilitator, post=second, reason="Names a colleague")
        moderation.review_request(by=writer, post=second, note="Removed the name")
        practices_services.post_create(
            community=community,
            author=add_member(community).user,
            kind="experience",
            data={**EXPERIENCE, "title": f"New voice {n}"},
        )


# --- Reporting -----------------------------------------------------------------------


def test_a_member_reports_a_post_from_its_page(client, community, post, reader):
    client.force_login(reader)
    page = client.get(post.get_absolute_url())
    assert url("report_post", community, post.pk) in page.content.decode()

    form = client.get(url("report_post", community, post.pk))
    assert form.status_code == 200 and RESPECT in text(form)

    response = client.post(
        url("report_post", community, post.pk), {"rule": rule_key(community), "note": "Harsh"}
    )

    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    report = Report.objects.get()
    assert (report.reporter, report.post, report.rule_title) == (reader, post, RESPECT)
    again = client.get(url("report_post", community, post.pk))
    assert "You reported this" in text(again)


def test_the_report_form_works_in_place_with_htmx(client, community, post, reader):
    client.force_login(reader)
    headers = {"HX-Request": "true"}

    panel = client.get(url("report_post", community, post.pk), headers=headers)
    assert panel.status_code == 200 and "<html" not in panel.content.decode()
    assert f'id="report-post-{post.pk}"' in panel.content.decode()

    refused = client.post(
        url("report_post", community, post.pk), {"rule": "other", "note": ""}, headers=headers
    )
    assert "Say what is wrong" in text(refused) and not Report.objects.exists()

    done = client.post(
        url("report_post", community, post.pk),
        {"rule": "other", "note": "Advertising"},
        headers=headers,
    )
    assert "Thank you" in text(done) and Report.objects.get().note == "Advertising"

    closed = client.get(url("report_post", community, post.pk) + "?cancel=1", headers=headers)
    assert closed.content.decode().strip().startswith('<div class="report-slot"')


def test_members_report_comments_but_not_their_own_work(client, community, post, reader):
    comment = practices_services.comment_create(post=post, author=reader, body="Nice")
    client.force_login(post.author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert url("report_comment", community, comment.pk) in page
    assert url("report_post", community, post.pk) not in page  # not their own post

    own = client.get(url("report_post", community, post.pk))
    assert own.status_code == 200 and "cannot report your own post" in text(own)
    client.post(url("report_post", community, post.pk), {"rule": "other", "note": "x"})
    assert not Report.objects.exists()

    client.post(url("report_comment", community, comment.pk), {"rule": "other", "note": "Rude"})
    assert Report.objects.get().comment == comment


def test_people_outside_the_community_cannot_report(client, community, post):
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(url("report_post", community, post.pk)).status_code == 403
    client.post(url("report_post", community, post.pk), {"rule": "other", "note": "x"})
    client.logout()
    assert client.get(url("report_post", community, post.pk)).status_code == 302
    assert not Report.objects.exists()


# --- The author of hidden content ----------------------------------------------------


def test_the_author_sees_why_it_was_hidden_and_asks_for_a_review_once(
    client, community, post, facilitator
):
    moderation.review_hide(by=facilitator, post=post, reason="It names a patient")
    client.force_login(post.author)

    page = text(client.get(post.get_absolute_url()))
    assert "Hidden by the facilitators." in page and "It names a patient" in page
    assert "Ask for a review" in page

    response = client.post(
        url("request_review_post", community, post.pk), {"note": "I took the name out"}
    )
    assert response.status_code == 302
    page = text(client.get(post.get_absolute_url()))
    assert "You asked for a review" in page and "Ask for a review" not in page

    client.post(url("request_review_post", community, post.pk), {"note": "Again"})
    assert ModerationAction.objects.filter(action="review_requested").count() == 1


def test_the_author_of_a_hidden_comment_asks_for_a_review(client, community, post, reader):
    comment = practices_services.comment_create(post=post, author=reader, body="Off topic")
    moderation.review_hide(by=community.created_by, comment=comment, reason="Off topic")
    client.force_login(reader)
    html = client.get(post.get_absolute_url()).content.decode()
    page = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Hidden by the facilitators. Reason: Off topic" in page and "Ask for a review" in page
    assert f'<label for="review-note-comment-{comment.pk}">' in html
    assert f'action="{url("request_review_comment", community, comment.pk)}"' in html

    client.post(url("request_review_comment", community, comment.pk), {"note": ""})

    assert Comment.objects.get(pk=comment.pk).review_requested_at is not None
    assert "You asked for a review" in text(client.get(post.get_absolute_url()))


# --- Pre-moderation ------------------------------------------------------------------


def test_a_post_waiting_for_approval_is_shown_to_its_author_and_the_facilitators(
    client, community, author, reader, facilitator
):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=1)
    community.refresh_from_db()
    client.force_login(author)
    response = client.post(
        reverse("practices:create", args=[community.slug, "experience"]),
        {**EXPERIENCE, "outcome": "worked", "action": "publish"},
        follow=True,
    )
    post = Post.objects.get(title=EXPERIENCE["title"], author=author)
    assert post.status == Post.Status.PENDING
    assert "waiting for approval" in text(response).lower()
    assert "Waiting for approval" in text(client.get(reverse("practices:drafts")))

    client.force_login(reader)
    assert client.get(post.get_absolute_url()).status_code == 404
    client.force_login(facilitator)
    assert client.get(post.get_absolute_url()).status_code == 200
    queue = client.get(url("manage_reports", community))
    assert EXPERIENCE["title"] in text(queue)

    client.post(url("manage_approve_post", community, post.pk), {"action": "approve"})

    assert Post.objects.get(pk=post.pk).is_published
    client.force_login(reader)
    assert client.get(post.get_absolute_url()).status_code == 200


def test_a_rejected_post_goes_back_to_its_author_with_the_reason(
    client, community, author, facilitator
):
    Community.objects.filter(pk=community.pk).update(premoderation_posts=1)
    community.refresh_from_db()
    post = practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    client.force_login(facilitator)
    refused = client.post(
        url("manage_approve_post", community, post.pk),
        {"action": "reject", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert "Say why" in text(refused)
    client.post(
        url("manage_approve_post", community, post.pk),
        {"action": "reject", "reason": "Please leave out the ward's name."},
    )

    client.force_login(author)
    page = text(client.get(post.get_absolute_url()))
    assert "sent this post back" in page and "leave out the ward" in page


# --- Rate limits in the forms --------------------------------------------------------


def test_a_limited_request_shows_the_message_keeps_what_was_typed_and_stores_nothing(
    client, community, author
):
    Community.objects.filter(pk=community.pk).update(new_member_posts_per_day=1)
    community.refresh_from_db()
    practices_services.post_create(
        community=community, author=author, kind="experience", data=EXPERIENCE
    )
    before = (
        Post.objects.count(),
        PostFollow.objects.count(),
        Tag.objects.count(),
        OutboundEmail.objects.count(),
    )
    client.force_login(author)

    response = client.post(
        reverse("practices:create", args=[community.slug, "experience"]),
        {
            **EXPERIENCE,
            "title": "My second experience today",
            "outcome": "worked",
            "tags": "a-brand-new-topic",
            "action": "publish",
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert (
        "New members can share 1 post a day in this community; you can post again tomorrow." in page
    )
    assert 'value="My second experience today"' in response.content.decode()
    after = (
        Post.objects.count(),
        PostFollow.objects.count(),
        Tag.objects.count(),
        OutboundEmail.objects.count(),
    )
    assert after == before


def test_a_limited_comment_comes_back_in_the_conversation(client, community, post, reader):
    Community.objects.filter(pk=community.pk).update(new_member_comments_per_day=1)
    community.refresh_from_db()
    client.force_login(reader)
    comment_url = reverse("practices:comment_create", args=[community.slug, post.pk])
    client.post(comment_url, {"body": "First"})

    response = client.post(comment_url, {"body": "Second thought"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "New members can write 1 comment a day" in text(response)
    assert "Second thought" in response.content.decode()
    assert Comment.objects.filter(author=reader).count() == 1


# --- The review queue ----------------------------------------------------------------


def test_the_queue_shows_reasons_and_notes_to_the_facilitator(
    client, community, post, reader, facilitator
):
    other = add_member(community).user
    moderation.report_create(reporter=reader, post=post, rule_id=rule_key(community), note="")
    moderation.report_create(
        reporter=other, post=post, rule_id="other", note="Reads like an advert"
    )
    client.force_login(facilitator)

    page = text(client.get(url("manage_reports", community)))

    assert "2 reports" in page and post.title in page
    assert f"1× {RESPECT}" in page and "1× Something else" in page
    assert "Reads like an advert" in page


def test_the_queue_is_for_this_communitys_facilitators_only(client, community, post, reader):
    other_facilitator = UserFactory()
    builders.launch_community(other_facilitator, name="Elsewhere")
    moderation.report_create(reporter=reader, post=post, rule_id="other", note="Spam")
    for person, status in ((other_facilitator, 403), (reader, 403), (post.author, 403)):
        client.force_login(person)
        assert client.get(url("manage_reports", community)).status_code == status
        assert client.get(url("manage_log", community)).status_code == status
        response = client.post(
            url("manage_review_post", community, post.pk), {"action": "hide", "reason": "No"}
        )
        assert response.status_code == status
    assert not Post.objects.get(pk=post.pk).is_hidden
    client.logout()
    assert client.get(url("manage_reports", community)).status_code == 302


def test_a_hidden_communitys_queue_is_a_404_for_outsiders(client, facilitator):
    hidden = builders.launch_community(facilitator, name="Quiet room", visibility="hidden")
    other_facilitator = UserFactory()
    builders.launch_community(other_facilitator, name="Elsewhere")
    client.force_login(other_facilitator)
    assert client.get(url("manage_reports", hidden)).status_code == 404
    assert client.get(url("manage_log", hidden)).status_code == 404


def test_the_facilitator_hides_and_warns_from_the_queue_with_htmx(
    client, community, post, reader, facilitator, django_capture_on_commit_callbacks
):
    moderation.report_create(reporter=reader, post=post, rule_id=rule_key(community), note="")
    client.force_login(facilitator)
    queue = client.get(url("manage_reports", community)).content.decode()
    assert 'id="review-count"' in queue

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("manage_review_post", community, post.pk),
            {"action": "warn", "rule": rule_key(community), "reason": ""},
            headers={"HX-Request": "true"},
        )

    body = response.content.decode()
    assert "the author was emailed a warning" in body
    assert 'id="review-count" hx-swap-oob="true"' in body
    post = Post.objects.get(pk=post.pk)
    assert post.hidden_reason == f"It breaks the rule “{RESPECT}”."
    assert OutboundEmail.objects.get(kind="moderation_warning").to == post.author.email
    assert "Nothing waits for review" in text(client.get(url("manage_reports", community)))


def test_a_refused_decision_comes_back_on_its_card(client, community, post, reader, facilitator):
    moderation.report_create(reporter=reader, post=post, rule_id="other", note="Spam")
    client.force_login(facilitator)

    response = client.post(
        url("manage_review_post", community, post.pk),
        {"action": "hide", "rule": "", "reason": ""},
        headers={"HX-Request": "true"},
    )

    assert "Say why it is hidden" in text(response)
    assert f'id="queue-post-{post.pk}"' in response.content.decode()
    assert not Post.objects.get(pk=post.pk).is_hidden


def test_the_moderation_log_lists_every_decision(client, community, post, reader, facilitator):
    moderation.report_create(reporter=reader, post=post, rule_id="other", note="Spam")
    moderation.review_hide(
        by=facilitator, post=post, reason="Advertising", rule_id=rule_key(community)
    )
    client.force_login(facilitator)

    page = text(client.get(url("manage_log", community)))

    assert "Hid content" in page and "Advertising" in page and f"Rule: {RESPECT}" in page
    assert post.title in page
    filtered = text(client.get(url("manage_log", community), {"action": "banned"}))
    assert "No decisions of this kind yet" in filtered


def test_facilitators_set_the_safeguards(client, community, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("manage_safeguards", community),
        {
            "report_threshold": "5",
            "premoderation_posts": "2",
            "new_member_days": "30",
            "new_member_posts_per_day": "1",
            "new_member_comments_per_day": "5",
            "new_member_links_per_post": "0",
        },
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.report_threshold, community.premoderation_posts) == (5, 2)
    assert community.new_member_links_per_post == 0


@pytest.mark.parametrize("size", [2, 12])
def test_the_queue_needs_the_same_queries_at_any_size(
    client, community, facilitator, size, django_assert_max_num_queries
):
    fill_queue(community, size)
    client.force_login(facilitator)

    with django_assert_max_num_queries(15):
        response = client.get(url("manage_reports", community))

    assert response.status_code == 200
    page = text(response)
    assert "Waiting 0" in page and "Second 0" in page and f"New voice {size - 1}" in page


@pytest.mark.parametrize("size", [2, 30])
def test_the_log_needs_the_same_queries_at_any_size(
    client, community, facilitator, size, django_assert_max_num_queries
):
    fill_queue(community, size)
    client.force_login(facilitator)

    with django_assert_max_num_queries(8):
        response = client.get(url("manage_log", community))

    assert response.status_code == 200


def test_the_facilitator_warns_about_spam_reported_as_something_else(
    client, community, post, reader, facilitator, django_capture_on_commit_callbacks
):
    moderation.report_create(reporter=reader, post=post, rule_id="other", note="Spam")
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("manage_review_post", community, post.pk),
            {"action": "warn", "rule": "", "reason": "Advertising is not welcome here."},
            headers={"HX-Request": "true"},
        )
    assert "the author was emailed a warning" in response.content.decode()
    assert Post.objects.get(pk=post.pk).hidden_reason == "Advertising is not welcome here."
    assert OutboundEmail.objects.filter(kind="moderation_warning").count() == 1
