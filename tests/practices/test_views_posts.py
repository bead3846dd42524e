import pytest
from django.urls import reverse

from communities import services as community_services
from communities.models import Membership
from practices import services
from practices.models import Bookmark, Comment, Post, PostFollow, Reaction
from tests.builders import add_member
from tests.factories import CommentFactory, PostFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, post: Post, **kwargs) -> str:
    return reverse(f"practices:{name}", args=[post.community.slug, post.pk], **kwargs)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def comment(experience, other_member):
    return services.comment_create(post=experience, author=other_member, body="We tried it too.")


# --- Feed -----------------------------------------------------------------------------


def test_feed_lists_posts_with_starter_posts_first(
    client, community, experience, challenge, facilitator
):
    services.post_set_pinned(post=experience, by=facilitator, pinned=True)
    response = client.get(reverse("practices:feed", args=[community.slug]))
    assert response.status_code == 200
    assert response.context["pinned"] == [experience]
    assert response.context["posts"] == [challenge]  # pinned posts are not repeated
    html = response.content.decode()
    assert html.index(experience.title) < html.index(challenge.title)
    assert "It worked" in html and "A physical prompt beats a form" in html


def test_feed_shows_why_someone_cannot_post(client, community, experience, outsider, member):
    feed = reverse("practices:feed", args=[community.slug])
    create = reverse("practices:create", args=[community.slug, "experience"])
    assert create not in client.get(feed).content.decode()
    client.force_login(outsider)
    response = client.get(feed)
    assert (
        "Join this community" in response.content.decode()
        and create not in response.content.decode()
    )
    client.force_login(member)
    assert create in client.get(feed).content.decode()


def test_feed_of_a_members_only_community_is_hidden_from_outsiders(
    client, private_community, outsider
):
    feed = reverse("practices:feed", args=[private_community.slug])
    assert client.get(feed).status_code == 404
    client.force_login(outsider)
    assert client.get(feed).status_code == 404
    client.force_login(add_member(private_community).user)
    assert client.get(feed).status_code == 200


def test_feed_filters_by_kind_outcome_topic_and_open_challenges(
    client, community, experience, challenge, member, other_member
):
    failed = PostFactory(community=community, author=member, outcome="failed", tags=["privacy"])
    feed = reverse("practices:feed", args=[community.slug])

    def titles(**params):
        return {p.title for p in client.get(feed, params).context["posts"]}

    assert titles(kind="challenge") == {challenge.title}
    assert titles(outcome="failed") == {failed.title}
    assert titles(tag="privacy") == {failed.title}
    assert titles(kind="open") == {challenge.title}
    answer = services.comment_create(post=challenge, author=other_member, body="The 4AT.")
    services.comment_mark_helpful(comment=answer, by=member)
    assert titles(kind="open") == set()
    assert titles(sort="helpful", kind="bogus") == {experience.title, challenge.title, failed.title}


def test_feed_pages_with_a_cursor_without_repeating_posts(client, community, member):
    PostFactory.create_batch(25, community=community, author=member)
    feed = reverse("practices:feed", args=[community.slug])
    for sort in ("newest", "active", "helpful"):
        first = client.get(feed, {"sort": sort}).context
        assert len(first["posts"]) == 20 and first["page"].has_next
        second = client.get(feed, {"sort": sort, "after": first["page"].next_cursor}).context
        assert len(second["posts"]) == 5 and not second["page"].has_next
        seen = [p.pk for p in first["posts"]] + [p.pk for p in second["posts"]]
        assert len(set(seen)) == 25
    assert client.get(feed, {"after": "not-a-cursor"}).status_code == 200


def test_community_tag_lists_the_posts_on_that_topic(client, community, experience, challenge):
    response = client.get(reverse("practices:community_tag", args=[community.slug, "delirium"]))
    assert response.status_code == 200
    assert response.context["posts"] == [challenge]
    assert "Topic: delirium" in response.content.decode()
    # A topic nobody used looks like one with no posts: the page does not tell which
    # topics exist elsewhere.
    unknown = client.get(reverse("practices:community_tag", args=[community.slug, "nope"]))
    assert unknown.status_code == 200 and unknown.context["posts"] == []


@pytest.mark.parametrize("count", [5, 60])
def test_feed_query_budget_holds_as_posts_grow(
    client, community, member, outsider, facilitator, count, django_assert_max_num_queries
):
    posts = PostFactory.create_batch(count, community=community, author=member, tags=["a", "b"])
    PostFactory.create_batch(2, community=community, author=member, challenge=True)
    services.post_set_pinned(post=posts[0], by=facilitator, pinned=True)
    feed = reverse("practices:feed", args=[community.slug])
    with django_assert_max_num_queries(6):
        assert client.get(feed).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(feed, {"tag": "a", "kind": "experience"}).status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(10):
        assert client.get(feed, {"sort": "active"}).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(feed).status_code == 200
    client.force_login(outsider)  # not a member: the join button costs a query or two
    with django_assert_max_num_queries(10):
        assert client.get(feed, {"tag": "a"}).status_code == 200


# --- Writing --------------------------------------------------------------------------


def test_members_publish_an_experience(member_client, community):
    create = reverse("practices:create", args=[community.slug, "experience"])
    page = member_client.get(create).content.decode()
    assert "Failures are as welcome as successes" in page
    assert 'id="community-topics"' in page
    response = member_client.post(
        create,
        {
            "action": "publish",
            "title": "Bedside handover",
            "tried": "At the bedside.",
            "happened": "Patients corrected us.",
            "outcome": "mixed",
            "learned": "Patients check the handover.",
            "tags": "handover, Patients",
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.is_published and post.outcome == "mixed"
    assert sorted(post.tags.names()) == ["handover", "patients"]


def test_a_draft_is_saved_and_the_author_returns_to_edit_it(member_client, community):
    create = reverse("practices:create", args=[community.slug, "challenge"])
    assert 'id="similar"' in member_client.get(create).content.decode()
    response = member_client.post(create, {"action": "draft", "title": "Half a question"})
    post = Post.objects.get()
    assert post.status == Post.Status.DRAFT
    assert response["Location"] == url("edit", post)
    drafts = member_client.get(reverse("practices:drafts"))
    assert list(drafts.context["page"].object_list) == [post]


def test_missing_fields_keep_what_was_typed(member_client, community):
    create = reverse("practices:create", args=[community.slug, "experience"])
    response = member_client.post(
        create, {"action": "publish", "title": "Only a title", "tried": "Something *bold*"}
    )
    assert response.status_code == 200
    assert not Post.objects.exists()
    form = response.context["form"]
    assert set(form.errors) == {"happened", "learned"}
    html = response.content.decode()
    assert 'value="Only a title"' in html and "Something *bold*" in html


def test_preview_renders_markdown_and_saves_nothing(member_client, community):
    data = {"kind": "experience", "title": "T", "learned": "**Patients** check <script>x</script>"}
    response = member_client.post(reverse("practices:preview"), data, **HTMX)
    html = response.content.decode()
    assert "<strong>Patients</strong>" in html and "<script>" not in html
    assert "<html" not in html  # a fragment
    create = reverse("practices:create", args=[community.slug, "experience"])
    response = member_client.post(create, {**data, "action": "preview"})
    assert response.status_code == 200 and not response.context["form"].errors
    assert not Post.objects.exists()
    member_client.logout()
    assert member_client.post(reverse("practices:preview"), data).status_code == 302


def test_people_who_cannot_post_are_told_why(client, community, outsider):
    create = reverse("practices:create", args=[community.slug, "experience"])
    assert client.get(create).status_code == 302  # sign in first
    client.force_login(outsider)
    response = client.post(create, {"action": "publish", "title": "x"}, follow=True)
    assert "Join this community" in response.content.decode()
    assert not Post.objects.exists()
    bad_kind = reverse("practices:create", args=[community.slug, "rant"])
    assert client.get(bad_kind).status_code == 404


def test_authors_edit_their_post_and_the_history_shows_the_old_version(
    client, experience, member, other_member
):
    edit = url("edit", experience)
    client.force_login(member)
    form = client.get(edit).context["form"]
    data = {**form.initial, "learned": "Patients notice what we leave out.", "action": "publish"}
    response = client.post(edit, data)
    assert response.status_code == 302
    experience.refresh_from_db()
    assert experience.learned == "Patients notice what we leave out."
    history = client.get(url("history", experience))
    assert history.status_code == 200
    assert "A physical prompt beats a form on the computer." in history.content.decode()
    client.force_login(other_member)
    assert client.get(edit).status_code == 403
    assert client.post(edit, data).status_code == 403


def test_authors_delete_their_post_after_confirming(client, experience, member, other_member):
    delete = url("delete", experience)
    client.force_login(other_member)
    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    assert Post.objects.get(pk=experience.pk).status == Post.Status.PUBLISHED
    client.force_login(member)
    assert client.get(delete).status_code == 200
    response = client.post(delete)
    assert response["Location"] == reverse("practices:feed", args=[experience.community.slug])
    assert client.get(url("detail", experience)).status_code == 404
    assert Post.objects.get(pk=experience.pk).status == Post.Status.DELETED


# --- Reading --------------------------------------------------------------------------


def test_anyone_reads_a_post_of_a_public_community(client, experience):
    response = client.get(url("detail", experience))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What I learned" in html and "It worked" in html
    assert reverse("practices:community_tag", args=[experience.community.slug, "sbar"]) in html
    assert url("react", experience) not in html  # nothing to toggle when signed out


def test_drafts_are_visible_to_their_author_only(client, community, member, other_member):
    draft = services.post_create(
        community=community,
        author=member,
        kind="experience",
        data={"title": "Not yet"},
        publish=False,
    )
    client.force_login(other_member)
    assert client.get(url("detail", draft)).status_code == 404
    assert client.get(url("edit", draft)).status_code == 404
    client.force_login(member)
    response = client.get(url("detail", draft))
    assert response.status_code == 200 and "This is a draft." in response.content.decode()


def test_a_hidden_post_shows_its_reason_to_the_author_only(
    client, experience, member, other_member, facilitator
):
    services.post_set_hidden(post=experience, by=facilitator, hidden=True, reason="Names a patient")
    client.force_login(other_member)
    assert client.get(url("detail", experience)).status_code == 404
    client.force_login(member)
    assert "Names a patient" in client.get(url("detail", experience)).content.decode()


def _conversation(post, people, count):
    for i in range(count):
        top = CommentFactory(post=post, author=people[i % len(people)])
        if i % 3 == 0:
            CommentFactory(post=post, author=people[(i + 1) % len(people)], parent=top)
    Post.objects.filter(pk=post.pk).update(comment_count=Comment.objects.filter(post=post).count())


@pytest.mark.parametrize("count", [5, 50])
def test_post_page_query_budget_holds_as_comments_grow(
    client, challenge, member, other_member, facilitator, count, django_assert_max_num_queries
):
    _conversation(challenge, [member, other_member, facilitator], count)
    helpful = Comment.objects.filter(post=challenge, author=other_member, parent=None).last()
    services.comment_mark_helpful(comment=helpful, by=member)
    services.reaction_set(post=challenge, user=other_member, kind="applied", active=True, note="x")
    with django_assert_max_num_queries(8):
        assert client.get(url("detail", challenge)).status_code == 200
    for viewer in (member, other_member, facilitator):
        client.force_login(viewer)
        with django_assert_max_num_queries(12):
            response = client.get(url("detail", challenge))
        assert response.status_code == 200
    assert response.context["comments_page"].object_list[0] == helpful  # helpful answers first


def test_comments_are_paginated_fifty_at_a_time(client, experience, member, other_member):
    _conversation(experience, [member, other_member], 55)
    first = client.get(url("detail", experience)).context["comments_page"]
    assert len(first.object_list) == 50 and first.has_next()
    second = client.get(url("detail", experience), {"page": 2}).context["comments_page"]
    assert len(second.object_list) == 5


# --- Reacting, saving, following ------------------------------------------------------


def test_members_mark_a_post_helpful_and_applied(client, experience, member, other_member):
    client.force_login(other_member)
    react = url("react", experience)
    response = client.post(react, {"kind": "helpful", "active": "1"})
    assert response.status_code == 302
    response = client.post(react, {"kind": "applied", "active": "1", "note": "Ward 3 too."}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="post-actions"' in html and "<html" not in html
    assert html.count('aria-pressed="true"') == 2 and "Ward 3 too." in html
    experience.refresh_from_db()
    assert (experience.helpful_count, experience.applied_count) == (1, 1)
    client.post(react, {"kind": "helpful", "active": "0"})
    assert not Reaction.objects.filter(kind="helpful").exists()
    # Authors do not react to their own post: a message, not a reaction.
    client.force_login(member)
    response = client.post(react, {"kind": "helpful", "active": "1"}, follow=True)
    assert "your own post" in response.content.decode()
    assert Reaction.objects.filter(user=member).count() == 0


def test_bookmarks_and_follows_toggle_with_and_without_htmx(client, experience, other_member):
    client.force_login(other_member)
    assert client.post(url("bookmark", experience), {"active": "1"}).status_code == 302
    assert Bookmark.objects.filter(user=other_member, post=experience).exists()
    response = client.post(url("follow", experience), {"active": "1"}, **HTMX)
    assert response.status_code == 200 and 'id="post-actions"' in response.content.decode()
    assert PostFollow.objects.filter(user=other_member, post=experience).exists()
    client.post(url("bookmark", experience), {"active": "0"}, **HTMX)
    assert not Bookmark.objects.filter(user=other_member).exists()


def test_bookmarks_page_lists_only_posts_still_readable(
    client, experience, challenge, other_member, facilitator
):
    client.force_login(other_member)
    assert "No bookmarks yet" in client.get(reverse("practices:bookmarks")).content.decode()
    for post in (experience, challenge):
        services.bookmark_set(post=post, user=other_member, active=True)
    services.post_set_hidden(post=challenge, by=facilitator, hidden=True, reason="Duplicate")
    page = client.get(reverse("practices:bookmarks")).context["page"]
    assert list(page.object_list) == [experience]
    client.logout()
    assert client.get(reverse("practices:bookmarks")).status_code == 302


# --- Facilitator tools ----------------------------------------------------------------


def test_facilitators_pin_and_hide_members_cannot(client, experience, other_member, facilitator):
    client.force_login(other_member)
    assert client.post(url("pin", experience), {"pinned": "1"}).status_code == 403
    assert client.post(url("hide", experience), {"hidden": "1", "reason": "x"}).status_code == 403
    client.force_login(facilitator)
    response = client.post(url("pin", experience), {"pinned": "1"}, **HTMX)
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    response = client.post(url("hide", experience), {"hidden": "1", "reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    client.post(url("hide", experience), {"hidden": "1", "reason": "Names a patient"})
    experience.refresh_from_db()
    assert experience.is_pinned and experience.is_hidden


# --- The conversation -----------------------------------------------------------------


def test_members_comment_and_reply(client, experience, member, other_member):
    client.force_login(other_member)
    create = url("comment_create", experience)
    response = client.post(create, {"body": "Did it work on nights?"})
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    client.force_login(member)
    response = client.post(create, {"body": "Yes, @omar-other", "parent": comment.pk}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="conversation"' in html and "<html" not in html
    reply = Comment.objects.get(parent=comment)
    assert f'id="comment-{reply.pk}"' in html and "@omar-other" in html


def test_an_empty_comment_comes_back_with_its_error(client, experience, other_member):
    client.force_login(other_member)
    response = client.post(url("comment_create", experience), {"body": "   "})
    assert response.status_code == 200
    assert "Write something" in response.content.decode()
    response = client.post(url("comment_create", experience), {"body": ""}, **HTMX)
    assert "Write something" in response.content.decode()
    assert not Comment.objects.exists()


def test_non_members_cannot_comment_on_a_public_post(client, experience, outsider):
    client.force_login(outsider)
    response = client.post(url("comment_create", experience), {"body": "Hello"}, follow=True)
    html = response.content.decode()
    assert "Only active members" in html and "Join this community" in html
    response = client.post(url("comment_create", experience), {"body": "Hello"}, **HTMX)
    assert "Join this community" in response.content.decode()
    assert not Comment.objects.exists()
    client.logout()
    assert client.post(url("comment_create", experience), {"body": "Hi"}).status_code == 302


def test_authors_edit_and_delete_their_comments_only(client, comment, member, other_member):
    edit = reverse("practices:comment_edit", args=[comment.pk])
    delete = reverse("practices:comment_delete", args=[comment.pk])
    client.force_login(member)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"body": "Mine"}).status_code == 403
    assert client.post(delete).status_code == 403
    client.force_login(other_member)
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"body": "We tried it on nights too."}, **HTMX)
    assert "We tried it on nights too." in response.content.decode()
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    assert client.get(edit).status_code == 404


def test_the_challenge_author_marks_an_answer_helpful(client, challenge, member, other_member):
    answer = services.comment_create(post=challenge, author=other_member, body="The 4AT.")
    helpful = reverse("practices:comment_helpful", args=[answer.pk])
    client.force_login(other_member)
    assert client.post(helpful, {"helpful": "1"}).status_code == 403
    client.force_login(member)
    response = client.post(helpful, {"helpful": "1"}, **HTMX)
    html = response.content.decode()
    assert "Helpful answer" in html and 'hx-swap-oob="true"' in html and "Answered" in html
    challenge.refresh_from_db()
    assert challenge.is_answered


def test_the_helpful_button_says_what_it_will_do_and_announces_its_state(
    client, challenge, member, other_member
):
    answer = services.comment_create(post=challenge, author=other_member, body="The 4AT.")
    helpful = reverse("practices:comment_helpful", args=[answer.pk])
    client.force_login(member)
    before = client.get(url("detail", challenge)).content.decode()
    assert 'aria-pressed="false">Mark as helpful</button>' in before
    after = client.post(helpful, {"helpful": "1"}, **HTMX).content.decode()
    assert 'aria-pressed="true">Remove the helpful mark</button>' in after
    assert "Mark as helpful</button>" not in after


def test_facilitators_hide_a_comment_with_a_reason(client, comment, member, facilitator):
    hide = reverse("practices:comment_hide", args=[comment.pk])
    client.force_login(member)
    assert client.post(hide, {"hidden": "1", "reason": "x"}).status_code == 403
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    client.force_login(facilitator)
    assert client.post(hide, {"hidden": "1", "reason": "Off topic"}).status_code == 302
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_reason) == (True, "Off topic")
    client.force_login(member)
    assert "We tried it too." not in client.get(url("detail", comment.post)).content.decode()
    client.force_login(comment.author)
    assert "Off topic" in client.get(url("detail", comment.post)).content.decode()


# --- One door: a members-only community is a 404 for everyone else ---------------------


def test_every_post_url_is_a_404_for_non_members_of_a_members_only_community(
    client, private_community, facilitator, outsider
):
    author = add_member(private_community).user
    post = services.post_create(
        community=private_community,
        author=author,
        kind="challenge",
        data={"title": "Private question", "situation": "Only for us."},
        tags=["secret"],
    )
    comment = services.comment_create(post=post, author=facilitator, body="An answer")
    slug = private_community.slug
    gets = [
        reverse("practices:feed", args=[slug]),
        reverse("practices:create", args=[slug, "experience"]),
        reverse("practices:community_tag", args=[slug, "secret"]),
        url("detail", post),
        url("edit", post),
        url("delete", post),
        url("history", post),
        reverse("practices:comment_edit", args=[comment.pk]),
        reverse("practices:comment_delete", args=[comment.pk]),
    ]
    posts = [
        url("hide", post),
        url("pin", post),
        url("react", post),
        url("bookmark", post),
        url("follow", post),
        url("comment_create", post),
        reverse("practices:comment_edit", args=[comment.pk]),
        reverse("practices:comment_delete", args=[comment.pk]),
        reverse("practices:comment_helpful", args=[comment.pk]),
        reverse("practices:comment_hide", args=[comment.pk]),
    ]
    banned = add_member(private_community).user
    community_services.membership_ban(
        membership=Membership.objects.get(community=private_community, user=banned),
        by=facilitator,
    )
    for person in (outsider, banned):
        client.force_login(person)
        for address in gets:
            assert client.get(address).status_code == 404, address
        for address in posts:
            assert client.post(address, {"active": "1", "body": "x"}).status_code == 404, address
    client.logout()
    # Signed out, the post page of a listed members-only community asks to sign in (the
    # community's existence is public); its other pages stay a 404.
    post_page = url("detail", post)
    for address in (gets[0], gets[2], gets[3], gets[6]):  # the pages open to anyone
        response = client.get(address)
        if address == post_page:
            assert response.status_code == 302 and "/accounts/login/" in response.url
        else:
            assert response.status_code == 404, address
    assert not Reaction.objects.exists() and Comment.objects.count() == 1


def test_refusals_in_the_conversation_come_back_as_part_of_it_for_htmx(
    client, comment, facilitator
):
    client.force_login(comment.author)
    edit = reverse("practices:comment_edit", args=[comment.pk])
    response = client.post(edit, {"body": "  ", "page": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="conversation"' in html
    assert 'class="comment__edit" open' in html and "field__error" in html
    client.force_login(facilitator)
    hide = reverse("practices:comment_hide", args=[comment.pk])
    response = client.post(hide, {"hidden": "1", "reason": ""}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Say why" in html
    comment.refresh_from_db()
    assert comment.body == "We tried it too." and not comment.is_hidden


def test_a_signed_out_member_is_asked_to_sign_in_and_comes_back_to_a_members_only_post(
    client, facilitator, private_community
):
    post = services.post_create(
        community=private_community,
        author=facilitator,
        kind=Post.Kind.EXPERIENCE,
        data={"title": "Quiet rounds", "tried": "x", "happened": "y", "learned": "z"},
    )
    address = url("detail", post)
    response = client.get(address, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next={address}"
    assert "Sign in to read this one." in response.content.decode()
    client.force_login(add_member(private_community).user)
    assert client.get(address).status_code == 200


def test_a_signed_out_visitor_gets_the_same_404_for_a_hidden_community_as_for_none(
    client, facilitator
):
    import re

    from tests.builders import launch_community

    def _without_csrf(html: bytes) -> str:  # what differs per request, as in the access table
        pattern = (
            r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|name="next" type="hidden" value=")[^"]+'
        )
        return re.sub(pattern, r"\1", html.decode())

    hidden = launch_community(facilitator, name="Hidden circle", visibility="hidden")
    post = hidden.posts.first()
    found = client.get(url("detail", post))
    missing = client.get(reverse("practices:detail", args=["no-such-community", post.pk]))
    assert found.status_code == missing.status_code == 404
    assert _without_csrf(found.content) == _without_csrf(missing.content)


def test_a_title_over_the_limit_gets_one_error_that_says_so(member_client, community):
    response = member_client.post(
        reverse("practices:create", args=[community.slug, "experience"]),
        {"title": "x" * 250, "tried": "a", "happened": "b", "learned": "c", "action": "publish"},
    )
    errors = response.context["form"].errors["title"]
    assert errors == ["Ensure this value has at most 200 characters (it has 250)."]
