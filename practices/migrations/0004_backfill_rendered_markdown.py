"""Render the Markdown of existing posts and comments into their stored HTML fields."""

from django.db import migrations

from practices.markdown import (
    POST_BODY_FIELDS,
    RENDERER_VERSION,
    post_excerpt,
    render_markdown,
    render_post_body,
)

BATCH = 500


def _batches(queryset):
    after = 0
    while True:
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[:BATCH])
        if not rows:
            return
        yield rows
        after = rows[-1].pk


def backfill(apps, schema_editor):
    Post = apps.get_model("practices", "Post")
    Comment = apps.get_model("practices", "Comment")
    posts = Post.objects.only("pk", "kind", *POST_BODY_FIELDS)
    for rows in _batches(posts):
        for post in rows:
            post.body_html = render_post_body({f: getattr(post, f) for f in POST_BODY_FIELDS})
            post.excerpt = post_excerpt(post.kind, post.body_html)
            post.markdown_version = RENDERER_VERSION
        Post.objects.bulk_update(rows, ["body_html", "excerpt", "markdown_version"])
    for rows in _batches(Comment.objects.only("pk", "body")):
        for comment in rows:
            comment.body_html = render_markdown(comment.body)
            comment.markdown_version = RENDERER_VERSION
        Comment.objects.bulk_update(rows, ["body_html", "markdown_version"])


class Migration(migrations.Migration):
    dependencies = [("practices", "0003_rendered_markdown_fields")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
