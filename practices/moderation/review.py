"""The facilitators' decisions on reported or hidden content, and the author's appeal.

Dismiss the reports, show or hide the item (and warn, remove or ban its author); the
author of hidden content may ask for a review once. Every decision is a row of the
moderation log (`ModerationAction`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities import services as membership_services
from communities.models import Community, Membership, ModerationAction, Report
from communities.permissions import check_can_moderate
from config.links import absolute_reverse, absolute_url
from members.emails import email_send
from practices.models import Comment, Post
from practices.permissions import Item, check_can_request_review, noun_of

from .items import (
    community_of,
    item_of,
    item_url,
    lock,
    log_action,
    resolve_reports,
    set_hidden,
)
from .reporting import choose_rule

if TYPE_CHECKING:
    from members.models import User


@transaction.atomic
def review_dismiss(
    *, by: User, post: Post | None = None, comment: Comment | None = None, reason: str = ""
) -> Item:
    """The reports on an item are unfounded: they are dismissed, and an item that was
    hidden automatically because of them is shown again."""
    item = lock(item_of(post, comment))
    community = community_of(item)
    check_can_moderate(by, community)
    dismissed = resolve_reports(item, by=by, status=Report.Status.DISMISSED)
    auto_hidden = item.is_hidden and item.hidden_by_id is None
    if not dismissed and not auto_hidden:
        raise ValidationError(
            _("There are no open reports on this %(noun)s.") % {"noun": noun_of(item)}
        )
    log_action(
        community, ModerationAction.Action.DISMISSED, by=by, item=item, reason=reason.strip()
    )
    if auto_hidden:
        set_hidden(item, by=by, hidden=False)
        log_action(
            community, ModerationAction.Action.UNHIDDEN, by=by, item=item, reason=reason.strip()
        )
    return item


@transaction.atomic
def review_show(
    *, by: User, post: Post | None = None, comment: Comment | None = None, reason: str = ""
) -> Item:
    """Show a hidden item again (e.g. after the author asked for a review); open reports
    on it are dismissed."""
    item = lock(item_of(post, comment))
    community = community_of(item)
    check_can_moderate(by, community)
    if not item.is_hidden:
        raise ValidationError(_("This %(noun)s is not hidden.") % {"noun": noun_of(item)})
    if resolve_reports(item, by=by, status=Report.Status.DISMISSED):
        log_action(
            community, ModerationAction.Action.DISMISSED, by=by, item=item, reason=reason.strip()
        )
    set_hidden(item, by=by, hidden=False)
    log_action(community, ModerationAction.Action.UNHIDDEN, by=by, item=item, reason=reason.strip())
    return item


def _hide(
    item: Item,
    community: Community,
    *,
    by: User,
    reason: str,
    rule_id: int | str,
) -> tuple[str, str]:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it is hidden; the author will read it.")})
    choice = choose_rule(community, rule_id)
    rule_title = choice.title if choice else ""
    # Hiding again (after a review) renews the date, which answers the review request.
    set_hidden(item, by=by, hidden=True, reason=reason[:300])
    resolve_reports(item, by=by, status=Report.Status.ACTIONED)
    log_action(
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
    by: User,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str = "",
) -> Item:
    """Hide an item from members with a reason its author reads; its reports are acted on."""
    item = lock(item_of(post, comment))
    community = community_of(item)
    check_can_moderate(by, community)
    _hide(item, community, by=by, reason=reason, rule_id=rule_id)
    return item


@transaction.atomic
def review_hide_and_warn(
    *,
    by: User,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str,
    rule_id: int | str,
) -> Item:
    """Hide an item and email its author a warning with the reason, naming the rule it
    broke when there is one (spam reported as "something else" breaks none)."""
    item = lock(item_of(post, comment))
    community = community_of(item)
    check_can_moderate(by, community)
    rule_title, reason = _hide(item, community, by=by, reason=reason, rule_id=rule_id)
    log_action(
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


def _end_membership(item: Item, community: Community, *, by: User, reason: str, ban: bool) -> None:
    membership = Membership.objects.filter(community=community, user_id=item.author_id).first()
    if membership is None:
        raise ValidationError(_("The author is not a member of this community."))
    if ban:
        membership_services.membership_ban(membership=membership, by=by, reason=reason)
    else:
        membership_services.membership_remove(membership=membership, by=by, reason=reason)


def _hide_and_end_membership(
    *,
    by: User,
    post: Post | None,
    comment: Comment | None,
    reason: str,
    rule_id: int | str,
    ban: bool,
) -> Item:
    item = lock(item_of(post, comment))
    community = community_of(item)
    check_can_moderate(by, community)
    rule_title, reason = _hide(item, community, by=by, reason=reason, rule_id=rule_id)
    _end_membership(item, community, by=by, reason=reason, ban=ban)
    action = ModerationAction.Action.BANNED if ban else ModerationAction.Action.REMOVED
    log_action(community, action, by=by, item=item, rule_title=rule_title, reason=reason)
    return item


@transaction.atomic
def review_remove_member(
    *,
    by: User,
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
    by: User,
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


@transaction.atomic
def review_request(
    *, by: User, post: Post | None = None, comment: Comment | None = None, note: str = ""
) -> Item:
    """The author of hidden content asks the facilitators to look at it again. Once."""
    item = lock(item_of(post, comment))
    check_can_request_review(by, item)
    item.review_requested_at = timezone.now()
    item.save(update_fields=["review_requested_at"])
    log_action(
        community_of(item),
        ModerationAction.Action.REVIEW_REQUESTED,
        by=by,
        item=item,
        reason=(note or "").strip()[:1000],
    )
    return item
