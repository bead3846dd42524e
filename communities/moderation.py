"""Keeping the space trusted: reports, the facilitators' review, pre-moderation, limits.

Members report a post or comment as breaking a rule of the current charter; when enough
of them do, the item is hidden until a facilitator looks at it. Facilitators dismiss
the reports, hide the item (and warn, remove or ban its author), approve or reject the
posts that wait for approval. The author of hidden content may ask for a review once.
Every decision is a row of the moderation log (`ModerationAction`).

The rate limits here are checked by `practices.services` and `communities.services`
before they write anything, so a refused post, comment or invitation stores nothing.

Every refusal is a `ValidationError` with a sentence the person can act on; where it
concerns one field of the form its key is that field's name (`rule`, `note`, `reason`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, F, IntegerField, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.links import absolute_reverse, absolute_url
from members.emails import email_send
from practices.models import Comment, Post

from . import services as community_services
from .models import Community, Invitation, Membership, ModerationAction, Report, Rule
from .permissions import can_moderate_content, get_membership, is_active_member

OTHER = "other"
DAY = timedelta(days=1)
# An http(s) address anywhere in Markdown: a bare URL, an autolink or a [link](...).
LINK_RE = re.compile(r"https?://", re.IGNORECASE)

Item = Post | Comment


# --- What a report can name ------------------------------------------------------------


@dataclass(frozen=True)
class RuleChoice:
    key: str
    title: str
    rule: Rule | None
    explanation: str = ""


def rule_choices(community: Community) -> list[RuleChoice]:
    """The rules of the community's current (published) charter, in order.

    A choice's key is the id of the draft rule that still has the same wording, so
    reports link to it; a rule reworded in the draft since publishing keeps a key by
    its place in the charter ("c2"). The title is always the published wording, the
    one members accepted.
    """
    charter = community.current_charter
    if charter is None:
        return []
    drafts = {rule.title: rule for rule in community.rules.all()}
    choices = []
    for position, item in enumerate(charter.rules):
        title = (item.get("title") or "").strip()
        if not title:
            continue
        rule = drafts.get(title)
        key = str(rule.pk) if rule else f"c{position}"
        choices.append(
            RuleChoice(key=key, title=title, rule=rule, explanation=item.get("explanation", ""))
        )
    return choices


def _choose_rule(community: Community, key, *, field: str = "rule") -> RuleChoice | None:
    """The charter rule for `key`; None for "" or "other"."""
    key = str(key or "").strip()
    if key in ("", OTHER):
        return None
    for choice in rule_choices(community):
        if choice.key == key:
            return choice
    raise ValidationError(
        {field: _("Choose one of the rules of the current charter, or “something else”.")}
    )


# --- Items: a post or a comment ------------------------------------------------------


def _item(post: Post | None, comment: Comment | None) -> Item:
    if (post is None) == (comment is None):
        raise ValueError("Pass either a post or a comment.")
    return post if post is not None else comment


def _lock(item: Item) -> Item:
    """The item re-read and locked, so that two reviews of it happen one after the other."""
    if isinstance(item, Post):
        return (
            Post.objects.select_for_update(of=("self",))
            .select_related("community", "author")
            .get(pk=item.pk)
        )
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("post__community", "author")
        .get(pk=item.pk)
    )


def community_of(item: Item) -> Community:
    return item.community if isinstance(item, Post) else item.post.community


def target_of(item: Item) -> dict:
    """Lookup of the reports that concern `item`."""
    return {"post": item, "comment": None} if isinstance(item, Post) else {"comment": item}


def _noun(item: Item) -> str:
    return _("post") if isinstance(item, Post) else _("comment")


def item_url(item: Item) -> str:
    """Where the item is read (a comment: its place on its post's page)."""
    if isinstance(item, Post):
        return reverse("practices:detail", args=[item.community.slug, item.pk])
    post = item.post
    return reverse("practices:detail", args=[post.community.slug, post.pk]) + f"#comment-{item.pk}"


def _log(
    community: Community,
    action: str,
    *,
    by,
    item: Item | None = None,
    member=None,
    rule_title: str = "",
    reason: str = "",
) -> ModerationAction:
    target = {}
    if isinstance(item, Post):
        target = {"post": item}
    elif isinstance(item, Comment):
        target = {"comment": item}
    return ModerationAction.objects.create(
        community=community,
        actor=by,
        action=action,
        member=member if member is not None else getattr(item, "author", None),
        rule_title=rule_title[:160],
        reason=reason,
        **target,
    )


def _check_moderator(by, community: Community) -> None:
    if not can_moderate_content(by, community):
        raise PermissionDenied(_("Only the community's facilitators review content."))


def _set_hidden(item: Item, *, by, hidden: bool, reason: str = "") -> None:
    # The practices services own the visibility of content (and its counters).
    from practices import services as practices_services

    if isinstance(item, Post):
        practices_services.post_set_hidden(post=item, by=by, hidden=hidden, reason=reason)
    else:
        practices_services.comment_set_hidden(comment=item, by=by, hidden=hidden, reason=reason)


def _resolve_reports(item: Item, *, by, status: str) -> int:
    return Report.objects.filter(status=Report.Status.OPEN, **target_of(item)).update(
        status=status, resolved_at=timezone.now(), resolved_by=by
    )


# --- Reporting -------------------------------------------------------------------------


def _readable_by(item: Item, user) -> bool:
    model = Post if isinstance(item, Post) else Comment
    return model.objects.visible_to(user).filter(pk=item.pk).exists()


def check_can_report(user, item: Item) -> None:
    """Raise ValidationError saying why `user` cannot report `item`, if they cannot."""
    community = community_of(item)
    if not user.is_authenticated or not is_active_member(user, community):
        raise ValidationError(_("Only members of this community can report content."))
    if not _readable_by(item, user):
        raise ValidationError(_("This content is not available."))
    if item.author_id == user.pk:
        raise ValidationError(_("You cannot report your own %(noun)s.") % {"noun": _noun(item)})
    if item.is_hidden:
        raise ValidationError(
            _("This %(noun)s is already hidden; the facilitators will review it.")
            % {"noun": _noun(item)}
        )


def report_of(user, item: Item) -> Report | None:
    """`user`'s report of `item`, if they made one."""
    if not user.is_authenticated:
        return None
    return Report.objects.filter(reporter=user, **target_of(item)).first()


@transaction.atomic
def report_create(
    *,
    reporter,
    post: Post | None = None,
    comment: Comment | None = None,
    rule_id: int | str,
    note: str = "",
) -> Report:
    """A member reports a post or comment as breaking a rule of the charter, or "other".

    Once per member and item. "other" needs a note. When the open reports on the item
    reach the community's threshold it is hidden until a facilitator reviews it.
    """
    item = _lock(_item(post, comment))
    community = community_of(item)
    check_can_report(reporter, item)
    key = str(rule_id or "").strip()
    if not key:
        raise ValidationError({"rule": _("Choose the rule it breaks, or “something else”.")})
    choice = _choose_rule(community, key)
    note = (note or "").strip()
    if key == OTHER and not note:
        raise ValidationError({"note": _("Say what is wrong when no rule of the charter fits.")})
    already = _("You already reported this %(noun)s; the facilitators will review it.") % {
        "noun": _noun(item)
    }
    if Report.objects.filter(reporter=reporter, **target_of(item)).exists():
        raise ValidationError(already)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                community=community,
                reporter=reporter,
                rule=choice.rule if choice else None,
                rule_title=choice.title if choice else "",
                note=note,
                **target_of(item),
            )
    except IntegrityError as error:  # the same member, a moment earlier
        raise ValidationError(already) from error
    open_reports = Report.objects.filter(status=Report.Status.OPEN, **target_of(item)).count()
    threshold = community.report_threshold
    if threshold and open_reports >= threshold:
        _hide_automatically(item, community, open_reports)
    return report


def open_reports(community: Community):
    """Reports waiting for review on content that is still there (not deleted)."""
    return Report.objects.filter(community=community, status=Report.Status.OPEN).filter(
        Q(comment__isnull=True, post__status=Post.Status.PUBLISHED)
        | Q(comment__status=Comment.Status.VISIBLE, comment__post__status=Post.Status.PUBLISHED)
    )


class _CountOf(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _queue_items(community: Community):
    """(post id, comment id) of every item waiting in the review queue: reported posts
    and comments, posts waiting for approval, unanswered review requests. UNION (not
    UNION ALL): an item both reported and under review is one item."""
    key = BigIntegerField()
    reported = open_reports(community).order_by().values_list("post_id", "comment_id")
    pending = (
        Post.objects.filter(community=community, status=Post.Status.PENDING)
        .annotate(no_comment=Value(None, output_field=key))
        .order_by()
        .values_list("pk", "no_comment")
    )
    posts_under_review = (
        Post.objects.filter(
            community=community,
            status=Post.Status.PUBLISHED,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .annotate(no_comment=Value(None, output_field=key))
        .order_by()
        .values_list("pk", "no_comment")
    )
    comments_under_review = (
        Comment.objects.filter(
            post__community=community,
            post__status=Post.Status.PUBLISHED,
            status=Comment.Status.VISIBLE,
            hidden_at__isnull=False,
            review_requested_at__gt=F("hidden_at"),
        )
        .annotate(no_post=Value(None, output_field=key))
        .order_by()
        .values_list("no_post", "pk")
    )
    return reported.union(pending, posts_under_review, comments_under_review)


def waiting_in_queue(community: Community) -> int:
    """How many items wait in the community's review queue."""
    return _queue_items(community).count()


def waiting_counts(community: Community) -> dict[str, int]:
    """The facilitators' side navigation badges in one query: membership requests
    (`pending_count`) and items in the review queue (`review_count`)."""
    requests = Membership.objects.filter(
        community=community, status=Membership.Status.PENDING
    ).values("pk")
    return (
        Community.objects.filter(pk=community.pk)
        .annotate(pending_count=_CountOf(requests), review_count=_CountOf(_queue_items(community)))
        .values("pending_count", "review_count")
        .get()
    )


def _hide_automatically(item: Item, community: Community, count: int) -> None:
    from practices import services as practices_services

    item.hidden_at = timezone.now()
    item.hidden_by = None
    item.hidden_reason = ngettext(
        "Hidden automatically after %(n)d report, waiting for review",
        "Hidden automatically after %(n)d reports, waiting for review",
        count,
    ) % {"n": count}
    item.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if isinstance(item, Comment):
        practices_services.comment_counts_refresh(post_id=item.post_id)
    _log(
        community,
        ModerationAction.Action.AUTO_HIDDEN,
        by=None,
        item=item,
        reason=item.hidden_reason,
    )


# --- Reviewing -------------------------------------------------------------------------


@transaction.atomic
def review_dismiss(
    *, by, post: Post | None = None, comment: Comment | None = None, reason: str = ""
) -> Item:
    """The reports on an item are unfounded: they are dismissed, and an item that was
    hidden automatically because of them is shown again."""
    item = _lock(_item(post, comment))
    community = community_of(item)
    _check_moderator(by, community)
    dismissed = _resolve_reports(item, by=by, status=Report.Status.DISMISSED)
    auto_hidden = item.is_hidden and item.hidden_by_id is None
    if not dismissed and not auto_hidden:
        raise ValidationError(
            _("There are no open reports on this %(noun)s.") % {"noun": _noun(item)}
        )
    _log(community, ModerationAction.Action.DISMISSED, by=by, item=item, reason=reason.strip())
    if auto_hidden:
        _set_hidden(item, by=by, hidden=False)
        _log(community, ModerationAction.Action.UNHIDDEN, by=by, item=item, reason=reason.strip())
    return item


@transaction.atomic
def review_show(
    *, by, post: Post | None = None, comment: Comment | None = None, reason: str = ""
) -> Item:
    """Show a hidden item again (e.g. after the author asked for a review); open reports
    on it are dismissed."""
    item = _lock(_item(post, comment))
    community = community_of(item)
    _check_moderator(by, community)
    if not item.is_hidden:
        raise ValidationError(_("This %(noun)s is not hidden.") % {"noun": _noun(item)})
    if _resolve_reports(item, by=by, status=Report.Status.DISMISSED):
        _log(community, ModerationAction.Action.DISMISSED, by=by, item=item, reason=reason.strip())
    _set_hidden(item, by=by, hidden=False)
    _log(community, ModerationAction.Action.UNHIDDEN, by=by, item=item, reason=reason.strip())
    return item


def _hide(item: Item, community: Community, *, by, reason: str, rule_id, need_rule=False):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it is hidden; the author will read it.")})
    choice = _choose_rule(community, rule_id)
    if need_rule and choice is None:
        raise ValidationError({"rule": _("Choose the rule that was broken; the warning names it.")})
    rule_title = choice.title if choice else ""
    # Hiding again (after a review) renews the date, which answers the review request.
    _set_hidden(item, by=by, hidden=True, reason=reason[:300])
    _resolve_reports(item, by=by, status=Report.Status.ACTIONED)
    _log(
        community,
        ModerationAction.Action.HIDDEN,
        by=by,
        item=item,
        rule_title=rule_title,
        reason=reason,
    )
    return rule_title, reason


@transaction.atomic
def review_hide(
    *,
    by,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str = "",
) -> Item:
    """Hide an item from members with a reason its author reads; its reports are acted on."""
    item = _lock(_item(post, comment))
    community = community_of(item)
    _check_moderator(by, community)
    _hide(item, community, by=by, reason=reason, rule_id=rule_id)
    return item


@transaction.atomic
def review_hide_and_warn(
    *,
    by,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str,
) -> Item:
    """Hide an item and email its author a warning that names the rule it broke."""
    item = _lock(_item(post, comment))
    community = community_of(item)
    _check_moderator(by, community)
    rule_title, reason = _hide(
        item, community, by=by, reason=reason, rule_id=rule_id, need_rule=True
    )
    _log(
        community,
        ModerationAction.Action.WARNED,
        by=by,
        item=item,
        rule_title=rule_title,
        reason=reason,
    )
    _send_warning(item, community, rule_title=rule_title, reason=reason)
    return item


def _send_warning(item: Item, community: Community, *, rule_title: str, reason: str) -> None:
    email_send(
        "moderation_warning",
        to=item.author.email,
        language=item.author.language,
        context={
            "community": community,
            "user": item.author,
            "item": item,
            "is_post": isinstance(item, Post),
            "title": item.title if isinstance(item, Post) else item.post.title,
            "rule_title": rule_title,
            "reason": reason,
            "url": absolute_url(item_url(item)),
            "rules_url": absolute_reverse("communities:charter", community.slug),
        },
    )


def _end_membership(item: Item, community: Community, *, by, reason: str, ban: bool) -> None:
    membership = Membership.objects.filter(community=community, user_id=item.author_id).first()
    if membership is None:
        raise ValidationError(_("The author is not a member of this community."))
    if ban:
        community_services.membership_ban(membership=membership, by=by, reason=reason)
    else:
        community_services.membership_remove(membership=membership, by=by, reason=reason)


def _hide_and_end_membership(
    *, by, post: Post | None, comment: Comment | None, reason: str, rule_id, ban: bool
) -> Item:
    item = _lock(_item(post, comment))
    community = community_of(item)
    _check_moderator(by, community)
    rule_title, reason = _hide(item, community, by=by, reason=reason, rule_id=rule_id)
    _end_membership(item, community, by=by, reason=reason, ban=ban)
    action = ModerationAction.Action.BANNED if ban else ModerationAction.Action.REMOVED
    _log(community, action, by=by, item=item, rule_title=rule_title, reason=reason)
    return item


@transaction.atomic
def review_remove_member(
    *,
    by,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str = "",
) -> Item:
    """Hide the item and remove its author from the community (they may join again)."""
    return _hide_and_end_membership(
        by=by, post=post, comment=comment, reason=reason, rule_id=rule_id, ban=False
    )


@transaction.atomic
def review_ban_member(
    *,
    by,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str = "",
) -> Item:
    """Hide the item and ban its author: they lose access and cannot join again."""
    return _hide_and_end_membership(
        by=by, post=post, comment=comment, reason=reason, rule_id=rule_id, ban=True
    )


REVIEW_ACTIONS = {
    "dismiss": review_dismiss,
    "show": review_show,
    "hide": review_hide,
    "warn": review_hide_and_warn,
    "remove": review_remove_member,
    "ban": review_ban_member,
}


def review_is_pending(item: Item) -> bool:
    """The author asked for a review and no facilitator has decided since."""
    return bool(
        item.is_hidden
        and item.review_requested_at is not None
        and item.review_requested_at > item.hidden_at
    )


def can_request_review(user, item: Item) -> bool:
    return (
        user.is_authenticated
        and item.author_id == user.pk
        and item.is_hidden
        and item.review_requested_at is None
    )


@transaction.atomic
def review_request(
    *, by, post: Post | None = None, comment: Comment | None = None, note: str = ""
) -> Item:
    """The author of hidden content asks the facilitators to look at it again. Once."""
    item = _lock(_item(post, comment))
    if item.author_id != getattr(by, "pk", None):
        raise ValidationError(_("Only the author can ask for a review."))
    if not item.is_hidden:
        raise ValidationError(_("This %(noun)s is not hidden.") % {"noun": _noun(item)})
    if item.review_requested_at is not None:
        raise ValidationError(
            _("You already asked for a review of this %(noun)s; a review is asked for once.")
            % {"noun": _noun(item)}
        )
    item.review_requested_at = timezone.now()
    item.save(update_fields=["review_requested_at"])
    _log(
        community_of(item),
        ModerationAction.Action.REVIEW_REQUESTED,
        by=by,
        item=item,
        reason=(note or "").strip()[:1000],
    )
    return item


# --- Pre-moderation --------------------------------------------------------------------


def holds_for_approval(author, community: Community) -> bool:
    """Does a post `author` publishes now wait for a facilitator's approval?

    With pre-moderation on (`premoderation_posts` = N > 0), a member's posts wait
    until N of them have been approved; the founding team (facilitators, core members)
    publishes directly.
    """
    if not community.premoderation_posts:
        return False
    membership = get_membership(author, community)
    if membership and membership.role in (Membership.Role.FACILITATOR, Membership.Role.CORE):
        return False
    approved = Post.objects.filter(
        community=community, author=author, published_at__isnull=False
    ).count()
    return approved < community.premoderation_posts


def _lock_pending(post: Post) -> Post:
    post = _lock(post)
    if post.status != Post.Status.PENDING:
        raise ValidationError(_("This post is no longer waiting for approval."))
    return post


@transaction.atomic
def post_approve(*, by, post: Post, reason: str = "") -> Post:
    """Publish a post that waited for approval."""
    from practices import services as practices_services

    post = _lock_pending(post)
    _check_moderator(by, post.community)
    practices_services.post_publish_approved(post=post)
    _log(post.community, ModerationAction.Action.APPROVED, by=by, item=post, reason=reason.strip())
    return post


@transaction.atomic
def post_reject(*, by, post: Post, reason: str) -> Post:
    """Send a waiting post back to its author as a draft, with the reason."""
    post = _lock_pending(post)
    _check_moderator(by, post.community)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why; the author reads it on their draft.")})
    post.status = Post.Status.DRAFT
    post.save(update_fields=["status"])
    _log(post.community, ModerationAction.Action.REJECTED, by=by, item=post, reason=reason)
    return post


def rejection_of(post: Post) -> ModerationAction | None:
    """Why a draft was sent back by the facilitators, if it was."""
    if post.status != Post.Status.DRAFT:
        return None
    return (
        ModerationAction.objects.filter(post=post, action=ModerationAction.Action.REJECTED)
        .order_by("-created_at", "-pk")
        .first()
    )


# --- Rate limits -----------------------------------------------------------------------


def is_new_member(user, community: Community) -> bool:
    """A plain member who joined within the community's `new_member_days`."""
    membership = get_membership(user, community)
    if membership is None or membership.role != Membership.Role.MEMBER:
        return False
    if membership.joined_at is None:
        return False
    return membership.joined_at >= timezone.now() - timedelta(days=community.new_member_days)


def _posts_in_last_day(author) -> Q:
    since = timezone.now() - DAY
    return Q(author=author) & (
        Q(published_at__gte=since) | Q(status=Post.Status.PENDING, created_at__gte=since)
    )


def count_links(text: str) -> int:
    return len(LINK_RE.findall(text or ""))


def check_link_limit(*, author, community: Community, text: str) -> None:
    """New members may put only a few links (http/https addresses) in a post."""
    if not is_new_member(author, community):
        return
    links, allowed = count_links(text), community.new_member_links_per_post
    if links and not allowed:
        raise ValidationError(
            _("New members cannot include links in a post in this community yet.")
        )
    if links > allowed:
        raise ValidationError(
            ngettext(
                "New members can include %(n)d link in a post in this community; "
                "this one has %(found)d.",
                "New members can include %(n)d links in a post in this community; "
                "this one has %(found)d.",
                allowed,
            )
            % {"n": allowed, "found": links}
        )


def check_post_limits(*, author, community: Community, text: str = "") -> None:
    """Before a post is published (or submitted for approval): new members' links per
    post, the per-account daily limit and the community's daily limit for new members."""
    check_link_limit(author=author, community=community, text=text)
    recent = Post.objects.filter(_posts_in_last_day(author))
    limit = settings.POSTS_PER_DAY_LIMIT
    if recent.count() >= limit:
        raise ValidationError(
            ngettext(
                "You can share %(n)d post a day; you can post again tomorrow.",
                "You can share %(n)d posts a day; you can post again tomorrow.",
                limit,
            )
            % {"n": limit}
        )
    limit = community.new_member_posts_per_day  # 0: no limit
    new = bool(limit) and is_new_member(author, community)
    if new and recent.filter(community=community).count() >= limit:
        raise ValidationError(
            ngettext(
                "New members can share %(n)d post a day in this community; "
                "you can post again tomorrow.",
                "New members can share %(n)d posts a day in this community; "
                "you can post again tomorrow.",
                limit,
            )
            % {"n": limit}
        )


def check_comment_limits(*, author, community: Community) -> None:
    """Before a comment is written: the per-account limit and the new members' limit."""
    recent = Comment.objects.filter(author=author, created_at__gte=timezone.now() - DAY)
    limit = settings.COMMENTS_PER_DAY_LIMIT
    if recent.count() >= limit:
        raise ValidationError(
            ngettext(
                "You can write %(n)d comment a day; you can comment again tomorrow.",
                "You can write %(n)d comments a day; you can comment again tomorrow.",
                limit,
            )
            % {"n": limit}
        )
    limit = community.new_member_comments_per_day  # 0: no limit
    new = bool(limit) and is_new_member(author, community)
    if new and recent.filter(post__community=community).count() >= limit:
        raise ValidationError(
            ngettext(
                "New members can write %(n)d comment a day in this community; "
                "you can comment again tomorrow.",
                "New members can write %(n)d comments a day in this community; "
                "you can comment again tomorrow.",
                limit,
            )
            % {"n": limit}
        )


def invitations_left_today(user) -> int:
    """How many more invitations `user` may send in the coming day."""
    sent = Invitation.objects.filter(invited_by=user, created_at__gte=timezone.now() - DAY).count()
    return max(0, settings.INVITATIONS_PER_DAY_LIMIT - sent)


def invitation_limit_error(left: int) -> ValidationError:
    limit = settings.INVITATIONS_PER_DAY_LIMIT
    if left == 0:
        message = _("You can send %(n)d invitations a day; you can invite again tomorrow.")
    else:
        message = _("You can send %(n)d invitations a day; you can send %(left)d more today.")
    return ValidationError(message % {"n": limit, "left": left})
