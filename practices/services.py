"""Every write to posts, comments, reactions, bookmarks and follows happens here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from taggit.models import Tag

from communities.models import Community, Membership
from communities.permissions import UNKNOWN, MembershipArg, check_can_contribute
from communities.services import touch_activity
from communities.webhooks import events as webhook_events
from members import notifications

from . import limits
from .markdown import (
    MENTION_RE,
    POST_BODY_FIELDS,
    RENDERER_VERSION,
    member_handle,
    post_excerpt,
    render_markdown,
    render_post_body,
)
from .models import (
    Bookmark,
    Comment,
    CommunityRead,
    Mention,
    Post,
    PostFollow,
    PostRead,
    PostRevision,
    Reaction,
    TagFollow,
)
from .permissions import (
    check_can_comment,
    check_can_delete_comment,
    check_can_delete_post,
    check_can_edit_comment,
    check_can_edit_post,
    check_can_hide_comment,
    check_can_hide_post,
    check_can_mark_comment_helpful,
    check_can_pin_post,
    check_can_react,
    check_can_reveal_post,
    check_can_save_post,
    check_can_share_without_name,
    check_can_track_reading,
)
from .tags import normalise_tag

if TYPE_CHECKING:
    from members.models import User

EXPERIENCE_FIELDS = ("title", "situation", "tried", "happened", "outcome", "learned", "recommend")
CHALLENGE_FIELDS = ("title", "situation", "tried", "help_wanted")
REQUIRED = {
    Post.Kind.EXPERIENCE: ("title", "tried", "happened", "learned"),
    Post.Kind.CHALLENGE: ("title", "situation"),
}


def content_fields(kind: str) -> tuple[str, ...]:
    return EXPERIENCE_FIELDS if kind == Post.Kind.EXPERIENCE else CHALLENGE_FIELDS


def _validate(kind: str, data: dict) -> None:
    missing = [f for f in REQUIRED[kind] if not str(data.get(f, "")).strip()]
    if missing:
        labels = ", ".join(str(Post._meta.get_field(f).verbose_name) for f in missing)
        raise ValidationError(_("Please fill in: %(fields)s.") % {"fields": labels})


def _record_mentions(*, post: Post, comment: Comment | None, author: User, text: str) -> list:
    handles = {h.lower() for h in MENTION_RE.findall(text or "")}
    if not handles:
        return []
    members = (
        Membership.objects.active()
        .filter(community_id=post.community_id)
        .exclude(user=author)
        .select_related("user")
    )
    mentioned = [m.user for m in members if member_handle(m.user) in handles]
    new = []
    for user in mentioned:
        _mention, created = Mention.objects.get_or_create(
            post=post, comment=comment, mentioned=user, author=author
        )
        if created:
            new.append(user)
    notifications.notify_mentions(post=post, comment=comment, author=author, users=new)
    return mentioned


def _set_tags(post: Post, tags: Sequence[str]) -> None:
    post.tags.set(list(dict.fromkeys(t for t in map(normalise_tag, tags) if t)))


def _render_post(post: Post) -> None:
    """Store the post's sanitised HTML and excerpt, so pages never render Markdown."""
    post.body_html = render_post_body({f: getattr(post, f) for f in POST_BODY_FIELDS})
    post.excerpt = post_excerpt(post.kind, post.body_html)
    post.markdown_version = RENDERER_VERSION


def _render_comment(comment: Comment) -> None:
    comment.body_html = render_markdown(comment.body)
    comment.markdown_version = RENDERER_VERSION


def _text_of(post: Post) -> str:
    return "\n".join(str(getattr(post, f)) for f in content_fields(post.kind))


@transaction.atomic
def post_create(
    *,
    community: Community,
    author: User,
    kind: str,
    data: dict,
    tags: Sequence[str] = (),
    publish: bool = True,
    shared_without_name: bool = False,
) -> Post:
    """Write an experience or a challenge; as a draft it waits unpublished for its author.

    Publishing needs an active membership with the current rules accepted, and stays
    within the rate limits. Under pre-moderation a member's first posts wait for a
    facilitator's approval instead (status "pending"). The author follows their own
    post so they hear about replies. Shared without name (where the community allows
    it), members see "a member of this community" instead of the author.
    """
    check_can_contribute(author, community)
    if shared_without_name:
        check_can_share_without_name(author, community)
    if kind not in Post.Kind.values:
        raise ValidationError(_("Unknown kind of post."))
    if publish:
        _validate(kind, data)
        limits.check_post_limits(author=author, community=community, text=_text_of_data(kind, data))
    elif not str(data.get("title", "")).strip():
        raise ValidationError(_("A draft needs at least a title."))
    held = publish and limits.holds_for_approval(author, community)
    now = timezone.now()
    post = Post(
        community=community,
        author=author,
        kind=kind,
        status=_publishing_status(publish, held),
        published_at=now if publish and not held else None,
        shared_without_name=shared_without_name,
        created_at=now,
        last_activity_at=now,
        **{f: data.get(f, "") or "" for f in content_fields(kind)},
    )
    _render_post(post)
    post.full_clean(exclude=["search_vector"])
    post.save()
    _set_tags(post, tags)
    PostFollow.objects.get_or_create(user=author, post=post)
    if post.is_published:
        _on_publish(post)
    return post


def _publishing_status(publish: bool, held: bool) -> str:
    if not publish:
        return Post.Status.DRAFT
    return Post.Status.PENDING if held else Post.Status.PUBLISHED


def _text_of_data(kind: str, data: dict) -> str:
    return "\n".join(str(data.get(f) or "") for f in content_fields(kind))


def _on_publish(post: Post) -> None:
    _record_mentions(post=post, comment=None, author=post.author, text=_text_of(post))
    notifications.notify_tag_followers(post)
    touch_activity(post.community)
    webhook_events.post_published(post)


def post_publish_approved(*, post: Post) -> Post:
    """Publish a post that waited for approval (the moderation services approve it)."""
    post.status = Post.Status.PUBLISHED
    post.published_at = post.last_activity_at = timezone.now()
    post.save(update_fields=["status", "published_at", "last_activity_at"])
    _on_publish(post)
    return post


@transaction.atomic
def post_update(
    *,
    post: Post,
    editor: User,
    data: dict,
    tags: Sequence[str] | None = None,
    publish: bool = False,
    shared_without_name: bool | None = None,
) -> Post:
    """Edit a post, keeping the previous content as a revision (the visible edit history).

    A draft can be published here; a published post stays published. Until a post has
    been published with its author's name, the author may choose to share it without
    name (`shared_without_name`); False on a published post reveals them, as
    `post_reveal` does.
    """
    post = Post.objects.select_for_update().select_related("community").get(pk=post.pk)
    check_can_edit_post(editor, post)
    if post.status == Post.Status.DELETED:
        raise ValidationError(_("This post was deleted."))
    if shared_without_name is not None and shared_without_name != post.shared_without_name:
        _set_shared_without_name(post, editor, shared_without_name)
    publishing = publish and post.status == Post.Status.DRAFT
    if post.is_published or publishing or post.status == Post.Status.PENDING:
        merged = {**{f: getattr(post, f) for f in content_fields(post.kind)}, **data}
        _validate(post.kind, merged)
        text = _text_of_data(post.kind, merged)
        if publishing:
            limits.check_post_limits(author=editor, community=post.community, text=text)
        else:
            limits.check_link_limit(author=editor, community=post.community, text=text)
    held = publishing and limits.holds_for_approval(editor, post.community)
    fields = content_fields(post.kind)
    before = {f: getattr(post, f) for f in fields}
    before["tags"] = sorted(post.tags.names())
    changed = False
    for field in fields:
        if field in data and (data[field] or "") != getattr(post, field):
            setattr(post, field, data[field] or "")
            changed = True
    if tags is not None and sorted(map(normalise_tag, tags)) != before["tags"]:
        _set_tags(post, tags)
        changed = True
    now = timezone.now()
    if post.is_published and changed:
        PostRevision.objects.create(post=post, editor=editor, content=before)
        post.edited_at = now
    if publishing and held:
        post.status = Post.Status.PENDING
    elif publishing:
        post.status = Post.Status.PUBLISHED
        post.published_at = post.last_activity_at = now
    _render_post(post)
    post.full_clean(exclude=["search_vector"])
    post.save()
    if publishing and not held:
        _on_publish(post)
    elif changed and post.is_published:
        _record_mentions(post=post, comment=None, author=editor, text=_text_of(post))
    return post


def _set_shared_without_name(post: Post, editor: User, unnamed: bool) -> None:
    if not unnamed:
        if post.published_at is not None:
            post.revealed_at = timezone.now()
        post.shared_without_name = False
        return
    check_can_share_without_name(editor, post.community)
    if post.published_at is not None or post.revealed_at is not None:
        raise ValidationError(
            _("This post was already shared with your name; it cannot be made nameless now.")
        )
    post.shared_without_name = True


@transaction.atomic
def post_reveal(*, post: Post, by: User) -> Post:
    """The author of a post shared without name puts their name on it: from now on it
    shows them everywhere, like any other post. It cannot be undone."""
    post = Post.objects.select_for_update().select_related("community", "author").get(pk=post.pk)
    check_can_reveal_post(by, post)
    post.shared_without_name = False
    post.revealed_at = timezone.now()
    post.save(update_fields=["shared_without_name", "revealed_at"])
    return post


@transaction.atomic
def post_delete(*, post: Post, by: User) -> Post:
    """Authors delete their own posts (soft: comments and reactions stay in the database)."""
    check_can_delete_post(by, post)
    post.status = Post.Status.DELETED
    post.save(update_fields=["status"])
    return post


@transaction.atomic
def post_set_hidden(*, post: Post, by: User, hidden: bool, reason: str = "") -> Post:
    """Facilitators hide a post from members (with a reason) or show it again."""
    check_can_hide_post(by, post)
    if hidden and not reason.strip():
        raise ValidationError(_("Say why the post is hidden; the author will see it."))
    post.hidden_at = timezone.now() if hidden else None
    post.hidden_by = by if hidden else None
    post.hidden_reason = reason.strip() if hidden else ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    return post


@transaction.atomic
def post_set_pinned(*, post: Post, by: User, pinned: bool) -> Post:
    """Facilitators pin starter posts that new members read during onboarding."""
    check_can_pin_post(by, post)
    post.is_pinned = pinned
    post.save(update_fields=["is_pinned"])
    return post


# --- Comments ------------------------------------------------------------------------


def _refresh_comment_stats(post_id: int) -> None:
    """Recount comments and rebuild the comment text that full-text search indexes."""
    visible = Comment.objects.filter(post_id=post_id).visible()
    Post.objects.filter(pk=post_id).update(
        comment_count=visible.count(),
        comments_text="\n".join(visible.values_list("body", flat=True))[:200_000],
    )


def _check_comment_length(body: str) -> None:
    if len(body.strip()) > Comment.BODY_MAX_CHARS:
        raise ValidationError(
            _("A comment can be at most %(n)d characters long.") % {"n": Comment.BODY_MAX_CHARS}
        )


@transaction.atomic
def comment_create(
    *, post: Post, author: User, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on a post or reply to a comment (one level: replies to replies attach to
    the top comment). The commenter follows the post from now on."""
    check_can_comment(author, post)
    if not body.strip():
        raise ValidationError(_("Write something before you send the comment."))
    _check_comment_length(body)
    limits.check_comment_limits(author=author, community=post.community)
    if parent is not None:
        if parent.post_id != post.pk:
            raise ValidationError(_("That reply belongs to another post."))
        parent = parent.parent or parent
    comment = Comment(post=post, author=author, body=body.strip(), parent=parent)
    _render_comment(comment)
    comment.save()
    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(last_activity_at=now)
    _refresh_comment_stats(post.pk)
    PostFollow.objects.get_or_create(user=author, post=post)
    notifications.notify_comment_created(comment)
    _record_mentions(post=post, comment=comment, author=author, text=comment.body)
    notifications.notify_post_followers(comment)
    touch_activity(post.community)
    webhook_events.comment_created(comment)
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, editor: User, body: str) -> Comment:
    check_can_edit_comment(editor, comment)
    if not body.strip():
        raise ValidationError(_("A comment cannot be empty."))
    _check_comment_length(body)
    comment.body = body.strip()
    comment.edited_at = timezone.now()
    _render_comment(comment)
    comment.save(update_fields=["body", "body_html", "markdown_version", "edited_at"])
    _refresh_comment_stats(comment.post_id)
    _record_mentions(post=comment.post, comment=comment, author=editor, text=comment.body)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> Comment:
    check_can_delete_comment(by, comment)
    comment.status = Comment.Status.DELETED
    comment.save(update_fields=["status"])
    _refresh_comment_stats(comment.post_id)
    _refresh_answered(comment.post_id)
    return comment


@transaction.atomic
def comment_set_hidden(*, comment: Comment, by: User, hidden: bool, reason: str = "") -> Comment:
    check_can_hide_comment(by, comment)
    if hidden and not reason.strip():
        raise ValidationError(_("Say why the comment is hidden; the author will see it."))
    comment.hidden_at = timezone.now() if hidden else None
    comment.hidden_by = by if hidden else None
    comment.hidden_reason = reason.strip() if hidden else ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _refresh_comment_stats(comment.post_id)
    _refresh_answered(comment.post_id)
    return comment


def comment_counts_refresh(*, post_id: int) -> None:
    """Recount a post's comments after one was hidden or shown by the moderation services."""
    _refresh_comment_stats(post_id)
    _refresh_answered(post_id)


def _refresh_answered(post_id: int) -> None:
    first = (
        Comment.objects.filter(post_id=post_id, marked_helpful_at__isnull=False)
        .visible()
        .order_by("marked_helpful_at")
        .values_list("marked_helpful_at", flat=True)
        .first()
    )
    Post.objects.filter(pk=post_id).update(answered_at=first)


@transaction.atomic
def comment_mark_helpful(*, comment: Comment, by: User, helpful: bool = True) -> Comment:
    """Mark an answer as helpful; a challenge with a helpful answer shows as answered."""
    post = comment.post
    check_can_mark_comment_helpful(by, comment)
    comment.marked_helpful_at = timezone.now() if helpful else None
    comment.marked_helpful_by = by if helpful else None
    comment.save(update_fields=["marked_helpful_at", "marked_helpful_by"])
    _refresh_answered(post.pk)
    if helpful:
        notifications.notify_helpful(comment, by=by)
    return comment


# --- Reactions, bookmarks, follows ---------------------------------------------------


def _refresh_reaction_counts(post_id: int) -> None:
    counts = Reaction.objects.filter(post_id=post_id).aggregate(
        helpful=Count("pk", filter=Q(kind=Reaction.Kind.HELPFUL)),
        applied=Count("pk", filter=Q(kind=Reaction.Kind.APPLIED)),
    )
    Post.objects.filter(pk=post_id).update(
        helpful_count=counts["helpful"], applied_count=counts["applied"]
    )


@transaction.atomic
def reaction_set(
    *, post: Post, user: User, kind: str, active: bool, note: str = ""
) -> Reaction | None:
    """Add or take back a "helpful" or "I applied this" reaction; one of each per member.

    "I applied this" carries an optional one-line note on how it went.
    """
    check_can_react(user, post)
    if kind not in Reaction.Kind.values:
        raise ValidationError(_("Unknown reaction."))
    reaction = None
    if active:
        reaction, created = Reaction.objects.update_or_create(
            post=post, user=user, kind=kind, defaults={"note": note.strip()[:280]}
        )
        if created and kind == Reaction.Kind.APPLIED:
            notifications.notify_applied(reaction)
    else:
        Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    _refresh_reaction_counts(post.pk)
    return reaction


def _toggle(model: type[models.Model], *, active: bool, **lookup) -> bool:
    if active:
        try:
            with transaction.atomic():
                model.objects.get_or_create(**lookup)
        except IntegrityError:
            pass
    else:
        model.objects.filter(**lookup).delete()
    return active


def bookmark_set(*, post: Post, user: User, active: bool) -> bool:
    """Save a post to (or take it off) the member's bookmarks. Safe to run twice."""
    check_can_save_post(user, post)
    return _toggle(Bookmark, active=active, user=user, post=post)


def post_follow_set(*, post: Post, user: User, active: bool) -> bool:
    """Follow a post's conversation (or stop). Safe to run twice."""
    check_can_save_post(user, post)
    return _toggle(PostFollow, active=active, user=user, post=post)


def tag_follow_set(*, tag: Tag, user: User, active: bool) -> bool:
    return _toggle(TagFollow, active=active, user=user, tag=tag)


# --- Read markers ------------------------------------------------------------------------


def post_mark_read(
    *, post: Post, user: User, membership: Membership | None, at: datetime | None = None
) -> None:
    """Record that `user` saw `post` and its comments as of `at` (now): one upsert
    (INSERT ... ON CONFLICT DO UPDATE), the only write a post page view makes.
    Safe to run twice; a post that is not published is not recorded."""
    check_can_track_reading(user, post.community, membership)
    if not post.is_published:
        return
    # One statement on its own: no transaction or savepoint around it.
    PostRead.objects.bulk_create(
        [PostRead(user=user, post=post, seen_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "post"],
        update_fields=["seen_at"],
    )


@transaction.atomic
def community_mark_read(
    *, community: Community, user: User, membership: MembershipArg = UNKNOWN
) -> datetime:
    """Mark all as read: everything published or commented in `community` until now
    counts as read by `user`. One upsert of their watermark; their visits of its posts
    until now say nothing the watermark does not, so they are deleted. Safe to run twice."""
    check_can_track_reading(user, community, membership)
    now = timezone.now()
    CommunityRead.objects.bulk_create(
        [CommunityRead(user=user, community=community, read_before=now)],
        update_conflicts=True,
        unique_fields=["user", "community"],
        update_fields=["read_before"],
    )
    PostRead.objects.filter(user=user, post__community=community, seen_at__lte=now).delete()
    return now


# --- Stored Markdown ---------------------------------------------------------------------


def post_render_stored(*, post: Post) -> Post:
    """Render a post's Markdown into its stored fields (for writers outside this module,
    such as the admin, that change the text); the caller saves."""
    _render_post(post)
    return post


def comment_render_stored(*, comment: Comment) -> Comment:
    """Render a comment's Markdown into `body_html`; the caller saves."""
    _render_comment(comment)
    return comment


def markdown_rerender_batch(
    *, model: type[Post] | type[Comment], after_pk: int, size: int, everything: bool = False
) -> tuple[int, int | None]:
    """Re-render up to `size` rows with a pk above `after_pk` that an older renderer made
    (or every row, with `everything`). Returns (rows written, last pk seen or None when
    done). Rows are locked while rendered, so an edit at the same moment is never
    overwritten with older text. Safe to run twice: a second run finds nothing to do."""
    fields = ["body_html", "markdown_version"]
    if model is Post:
        fields.append("excerpt")
        columns = ["pk", "kind", *POST_BODY_FIELDS]
    else:
        columns = ["pk", "body"]
    with transaction.atomic():
        qs = model.objects.filter(pk__gt=after_pk)
        if not everything:
            qs = qs.filter(markdown_version__lt=RENDERER_VERSION)
        rows = list(qs.order_by("pk").only(*columns).select_for_update(of=("self",))[:size])
        for row in rows:
            if model is Post:
                _render_post(row)
            else:
                _render_comment(row)
        model.objects.bulk_update(rows, fields)
    return len(rows), (rows[-1].pk if len(rows) == size else None)
