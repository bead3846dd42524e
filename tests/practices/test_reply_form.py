"""One reply form on a post page: loaded (htmx) or opened (?reply=) under its thread."""

import re

import pytest
from django.urls import reverse

from practices import services
from practices.models import Comment, Post
from tests.builders import add_member
from tests.factories import CommentFactory, PostFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(post: Post) -> str:
    return reverse("practices:detail", args=[post.community.slug, post.pk])


def create(post: Post) -> str:
    return reverse("practices:comment_create", args=[post.community.slug, post.pk])


@pytest.fixture
def threads(experience, other_member, facilitator):
    first = services.comment_create(post=experience, author=other_member, body="First thread.")
    second = services.comment_create(post=experience, author=facilitator, body="Second thread.")
    return first, second


def _thread_html(html: str, comment: Comment) -> str:
    """The markup of `comment`'s thread: from its card to the next thread."""
    start = html.index(f'id="comment-{comment.pk}"')
    end = html.find('<li class="thread">', start)
    return html[start : end if end != -1 else len(html)]


def test_a_member_gets_a_reply_link_per_thread_and_no_form_until_asked(
    client, experience, member, threads
):
    client.force_login(member)
    html = client.get(detail(experience)).content.decode()
    assert 'name="parent"' not in html and "id_reply_" not in html
    for comment in threads:
        thread = _thread_html(html, comment)
        assert f'href="{detail(experience)}?reply={comment.pk}#reply-form-{comment.pk}"' in thread
        assert f'hx-get="{detail(experience)}?page=1&amp;reply={comment.pk}"' in thread
        assert f'hx-target="#reply-slot-{comment.pk}"' in thread
    assert html.count("data-reply-link") == 2
    # The one form for a new comment is still there.
    assert html.count('<textarea name="body"') == 1


def test_readers_who_cannot_write_get_no_reply_link(client, experience, outsider, threads):
    assert "data-reply-link" not in client.get(detail(experience)).content.decode()
    client.force_login(outsider)
    html = client.get(detail(experience)).content.decode()
    assert "data-reply-link" not in html and "Join this community" in html


def test_htmx_loads_the_reply_form_for_one_thread(client, experience, member, threads):
    first, _second = threads
    client.force_login(member)
    response = client.get(detail(experience), {"reply": first.pk, "page": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count("<form") == 1 and html.count("<textarea") == 1
    assert f'id="reply-form-{first.pk}"' in html
    assert f'<input type="hidden" name="parent" value="{first.pk}">' in html
    assert f'<label for="id_reply_{first.pk}">Reply to Omar Other</label>' in html
    # The script focuses the loaded field at once; an autofocus would make htmx focus
    # it a second time when the swap settles, taking the focus from where the reader is.
    assert re.search(rf'<textarea name="body" id="id_reply_{first.pk}"', html)
    assert "autofocus" not in html
    assert "Send reply" in html and "data-reply-cancel" in html


def test_without_javascript_the_reply_link_opens_the_page_with_the_form_in_place(
    client, experience, member, threads
):
    first, second = threads
    client.force_login(member)
    html = client.get(detail(experience), {"reply": second.pk}).content.decode()
    assert html.count("data-reply-form") == 1
    thread = _thread_html(html, second)
    assert f'id="reply-form-{second.pk}"' in thread
    link = rf'<a class="reply-link" data-reply-link[^>]*reply={second.pk}[^>]*hidden>'
    assert re.search(link, thread)
    assert f'id="reply-form-{first.pk}"' not in html
    # Without the script, the browser puts the focus in the field the reader asked for.
    assert re.search(rf'<textarea name="body" id="id_reply_{second.pk}"[^>]* autofocus', thread)


@pytest.mark.parametrize("which", ["a reply", "another post's comment", "no such comment"])
def test_the_form_is_only_for_a_thread_of_this_post(client, experience, member, threads, which):
    first, _ = threads
    client.force_login(member)
    if which == "a reply":
        target = services.comment_create(
            post=experience, author=member, body="A reply.", parent=first
        ).pk
    elif which == "another post's comment":
        other = PostFactory(community=experience.community, author=UserFactory())
        target = CommentFactory(post=other).pk
    else:
        target = 999_999
    response = client.get(detail(experience), {"reply": target}, **HTMX)
    assert response.status_code == 404


def test_people_who_cannot_write_get_no_form_and_outsiders_of_a_private_post_a_404(
    client, experience, outsider, threads, private_community, facilitator
):
    first, _ = threads
    assert client.get(detail(experience), {"reply": first.pk}, **HTMX).status_code == 403
    client.force_login(outsider)
    assert client.get(detail(experience), {"reply": first.pk}, **HTMX).status_code == 403
    hidden_post = PostFactory(community=private_community, author=facilitator)
    hidden_comment = CommentFactory(post=hidden_post, author=facilitator)
    response = client.get(detail(hidden_post), {"reply": hidden_comment.pk}, **HTMX)
    assert response.status_code == 404


def test_a_hidden_comment_gets_no_reply_form_for_members_who_cannot_see_it(
    client, experience, member, threads, facilitator
):
    first, _ = threads
    Comment.objects.filter(pk=first.pk).update(hidden_at=experience.created_at)
    client.force_login(member)
    assert client.get(detail(experience), {"reply": first.pk}, **HTMX).status_code == 404


def test_a_reply_lands_under_the_thread_it_answers(client, experience, member, threads):
    first, second = threads
    client.force_login(member)
    response = client.post(
        create(experience), {"body": "Answering the second.", "parent": second.pk}, **HTMX
    )
    html = response.content.decode()
    reply = Comment.objects.get(parent=second)
    assert reply.body == "Answering the second." and not first.replies.exists()
    assert f'id="comment-{reply.pk}"' in _thread_html(html, second)
    assert f'id="comment-{reply.pk}"' not in _thread_html(html, first)
    # After sending, the conversation shows no open reply form.
    assert "data-reply-form" not in html


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain form"])
def test_a_refused_reply_keeps_its_text_under_its_thread(client, experience, member, threads, htmx):
    first, second = threads
    client.force_login(member)
    too_long = "Our night shift tried this. " * 400  # more than a comment may hold
    response = client.post(
        create(experience),
        {"body": too_long, "parent": second.pk, "page": "1"},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 200
    assert not Comment.objects.filter(parent=second).exists()
    html = response.content.decode()
    thread = _thread_html(html, second)
    assert f'id="reply-form-{second.pk}"' in thread
    assert too_long.strip() in thread
    assert 'aria-invalid="true"' in thread and f'id="id_reply_{second.pk}_error"' in thread
    assert html.count("data-reply-form") == 1
    # The field with the error takes the focus, with or without the script.
    assert re.search(rf'<textarea name="body" id="id_reply_{second.pk}"[^>]* autofocus', thread)


def test_an_empty_reply_says_what_is_missing(client, experience, member, threads):
    first, _ = threads
    client.force_login(member)
    response = client.post(create(experience), {"body": " ", "parent": first.pk}, **HTMX)
    thread = _thread_html(response.content.decode(), first)
    assert "Write something before you send the comment." in thread


def test_the_reply_link_on_a_later_page_keeps_the_page(client, experience, member):
    writer = add_member(experience.community).user
    comments = [CommentFactory(post=experience, author=writer) for _ in range(51)]
    client.force_login(member)
    html = client.get(detail(experience), {"page": 2}).content.decode()
    last = comments[-1]
    assert f"?page=2&amp;reply={last.pk}#reply-form-{last.pk}" in html
    response = client.get(detail(experience), {"reply": last.pk, "page": 2}, **HTMX)
    assert '<input type="hidden" name="page" value="2">' in response.content.decode()
