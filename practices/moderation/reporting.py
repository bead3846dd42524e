"""Members report posts and comments as breaking a rule of the charter.

When the open reports on an item reach the community's threshold, it is hidden until a
facilitator reviews it. Every refusal is a `ValidationError`; where it concerns one
field of the form its key is that field's name (`rule`, `note`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.models import Community, Membership, ModerationAction, Report, Rule
from communities.webhooks import events as webhook_events
from practices import services as practices_services
from practices.models import Comment, Post
from practices.permissions import Item, check_can_report, check_is_reporter, noun_of

from .items import community_of, item_of, lock, log_action, target_of

if TYPE_CHECKING:
    from members.models import User

OTHER = "other"


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


def choose_rule(
    community: Community, key: int | str | None, *, field: str = "rule"
) -> RuleChoice | None:
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


def report_of(user: User, item: Item) -> Report | None:
    """`user`'s report of `item`, if they made one."""
    if not user.is_authenticated:
        return None
    return Report.objects.filter(reporter=user, **target_of(item)).first()


@transaction.atomic
def report_create(
    *,
    reporter: User,
    post: Post | None = None,
    comment: Comment | None = None,
    rule_id: int | str,
    note: str = "",
) -> Report:
    """A member reports a post or comment as breaking a rule of the charter, or "other".

    Once per member and item. "other" needs a note. When the open reports on the item
    reach the community's threshold it is hidden until a facilitator reviews it.
    """
    item = lock(item_of(post, comment))
    community = community_of(item)
    if not readable_by(item, reporter):
        check_is_reporter(reporter, item)
        raise ValidationError(_("This content is not available."))
    check_can_report(reporter, item)
    key = str(rule_id or "").strip()
    if not key:
        raise ValidationError({"rule": _("Choose the rule it breaks, or “something else”.")})
    choice = choose_rule(community, key)
    note = (note or "").strip()
    if key == OTHER and not note:
        raise ValidationError({"note": _("Say what is wrong when no rule of the charter fits.")})
    already = _("You already reported this %(noun)s; the facilitators will review it.") % {
        "noun": noun_of(item)
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
    open_reports = _counted_reports(item, community)
    threshold = community.report_threshold
    if threshold and open_reports >= threshold:
        _hide_automatically(item, community, open_reports)
    webhook_events.report_filed(report)
    return report


def _counted_reports(item: Item, community: Community) -> int:
    """Open reports that count towards the auto-hide threshold: those from members past
    the community's new-member period, so that fresh sock-puppet accounts cannot hide
    what they dislike (their reports still reach the facilitators' queue)."""
    settled = Membership.objects.active().filter(
        community=community,
        joined_at__lte=timezone.now() - timedelta(days=community.new_member_days),
    )
    return Report.objects.filter(
        status=Report.Status.OPEN, reporter__in=settled.values("user"), **target_of(item)
    ).count()


def readable_by(item: Item, user: User) -> bool:
    """Can `user` read `item` through the door (`visible_to`)?"""
    model = Post if isinstance(item, Post) else Comment
    return model.objects.visible_to(user).filter(pk=item.pk).exists()


def _hide_automatically(item: Item, community: Community, count: int) -> None:
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
    log_action(
        community,
        ModerationAction.Action.AUTO_HIDDEN,
        by=None,
        item=item,
        reason=item.hidden_reason,
    )
