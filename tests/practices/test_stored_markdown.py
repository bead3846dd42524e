"""Markdown is rendered once, when a post or comment is written, and stored."""

import importlib
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from practices import services
from practices.markdown import RENDERER_VERSION
from practices.models import Comment, Post

EVIL = "## Plan\n\nWe **tried** it <script>alert(1)</script> [here](javascript:alert(1))."


def _experience(community, author, **data):
    return services.post_create(
        community=community,
        author=author,
        kind=Post.Kind.EXPERIENCE,
        data={
            "title": "Bedside handover",
            "tried": EVIL,
            "happened": "Patients corrected two mistakes.",
            "learned": "Patients are the **best** check & the fastest.",
            **data,
        },
    )


def test_a_new_post_stores_sanitised_html_per_field_and_a_plain_excerpt(community, member):
    post = Post.objects.get(pk=_experience(community, member).pk)
    assert set(post.body_html) == {"tried", "happened", "learned"}
    tried = post.body_html["tried"]
    assert "<h4>Plan</h4>" in tried and "<strong>tried</strong>" in tried
    assert "<script" not in tried and 'href="javascript' not in tried
    assert post.excerpt == "Patients are the best check & the fastest."
    assert post.markdown_version == RENDERER_VERSION


def test_a_challenge_quotes_its_situation_cut_to_forty_words(community, member):
    situation = " ".join(f"word{n}" for n in range(60))
    post = services.post_create(
        community=community,
        author=member,
        kind=Post.Kind.CHALLENGE,
        data={"title": "How do you…?", "situation": f"*{situation}*"},
    )
    assert post.excerpt.split() == [*(f"word{n}" for n in range(39)), "word39…"]
    assert post.body_html["situation"].startswith("<p><em>word0")


def test_an_edit_renders_the_new_text(community, member):
    post = _experience(community, member)
    services.post_update(post=post, editor=member, data={"learned": "Ask the _patient_."})
    post.refresh_from_db()
    assert post.body_html["learned"] == "<p>Ask the <em>patient</em>.</p>\n"
    assert post.excerpt == "Ask the patient."


def test_comments_store_their_html_when_written_and_edited(community, member, other_member):
    post = _experience(community, member)
    comment = services.comment_create(post=post, author=other_member, body="Same **here**.")
    comment.refresh_from_db()
    assert comment.body_html == "<p>Same <strong>here</strong>.</p>\n"
    services.comment_update(comment=comment, editor=other_member, body="Not <b>quite</b>.")
    comment.refresh_from_db()
    assert comment.body_html == "<p>Not &lt;b&gt;quite&lt;/b&gt;.</p>\n"
    assert comment.markdown_version == RENDERER_VERSION


def test_the_feed_quotes_the_stored_excerpt(client, community, member):
    post = _experience(community, member)
    Post.objects.filter(pk=post.pk).update(excerpt="Stored & escaped <em>text</em>")
    html = client.get(reverse("practices:feed", args=[community.slug])).content.decode()
    assert "Stored &amp; escaped &lt;em&gt;text&lt;/em&gt;" in html
    assert "Patients are the best check" not in html


def test_rerender_markdown_renders_rows_an_older_renderer_made_and_is_idempotent(
    community, member, other_member
):
    posts = [_experience(community, member, title=f"Post {n}") for n in range(3)]
    comment = services.comment_create(post=posts[0], author=other_member, body="**Yes**")
    Post.objects.filter(pk__in=[posts[0].pk, posts[2].pk]).update(
        body_html={"tried": "<p>stale</p>"}, excerpt="stale", markdown_version=0
    )
    Post.objects.filter(pk=posts[1].pk).update(excerpt="current, left alone")
    Comment.objects.filter(pk=comment.pk).update(body_html="stale", markdown_version=0)

    out = StringIO()
    call_command("rerender_markdown", "--batch-size", "1", stdout=out)
    assert "posts: 2 re-rendered" in out.getvalue()
    assert "comments: 1 re-rendered" in out.getvalue()
    for post in Post.objects.filter(pk__in=[posts[0].pk, posts[2].pk]):
        assert "<h4>Plan</h4>" in post.body_html["tried"]
        assert post.excerpt.startswith("Patients are the best")
        assert post.markdown_version == RENDERER_VERSION
    assert Post.objects.get(pk=posts[1].pk).excerpt == "current, left alone"
    assert Comment.objects.get(pk=comment.pk).body_html == "<p><strong>Yes</strong></p>\n"

    again = StringIO()
    call_command("rerender_markdown", stdout=again)
    assert "posts: 0 re-rendered" in again.getvalue()
    assert "comments: 0 re-rendered" in again.getvalue()
    call_command("rerender_markdown", "--all", stdout=StringIO())
    assert Post.objects.get(pk=posts[1].pk).excerpt.startswith("Patients are the best")


def test_the_migration_back_fills_rows_written_before_it(community, member, other_member):
    post = _experience(community, member)
    comment = services.comment_create(post=post, author=other_member, body="_ok_")
    Post.objects.update(body_html={}, excerpt="", markdown_version=0)
    Comment.objects.update(body_html="", markdown_version=0)
    migration = importlib.import_module("practices.migrations.0004_backfill_rendered_markdown")
    migration.backfill(apps, None)
    post.refresh_from_db()
    comment.refresh_from_db()
    assert post.excerpt == "Patients are the best check & the fastest."
    assert "<h4>Plan</h4>" in post.body_html["tried"]
    assert comment.body_html == "<p><em>ok</em></p>\n"
    assert post.markdown_version == comment.markdown_version == RENDERER_VERSION
