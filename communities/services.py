"""Every write to communities, charters, memberships and invitations happens here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from config.links import absolute_reverse, absolute_url
from members import notifications
from members.emails import email_send

from .models import (
    INVITATION_LIFETIME,
    MAX_JOIN_QUESTIONS,
    CharterAcceptance,
    CharterVersion,
    Community,
    Invitation,
    JoinQuestion,
    Membership,
    MembershipEvent,
    ModerationAction,
    Rule,
    StageChange,
)

DEFAULT_RULES = [
    (
        _("What is shared here stays here"),
        _(
            "Experiences often involve colleagues, clients or patients. Do not pass on "
            "details outside the community without the author's consent."
        ),
    ),
    (
        _("Respectful, constructive exchange"),
        _(
            "Disagree with ideas, not people. Ask questions before you judge, and assume "
            "good intent."
        ),
    ),
    (
        _("Failures are welcome, blame is not"),
        _(
            "What did not work teaches as much as what did. Share failures openly; discuss "
            "what happened, never who is to blame."
        ),
    ),
]
DEFAULT_EXPECTATIONS = _(
    "Share concrete experience: what you tried, what happened and what you learned. "
    "Answer others' challenges when you can, and say so when you applied someone's idea."
)


# --- Community lifecycle -------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "community"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def community_create(
    *, user, name: str, challenge: str, kind: str, tags: Sequence[str] = (), **fields
) -> Community:
    """Start a community in planning; its creator becomes its first facilitator.

    The charter draft starts with good default rules the facilitator can edit.
    """
    community = Community.objects.create(
        name=name,
        slug=fields.pop("slug", None) or _unique_slug(name),
        challenge=challenge,
        kind=kind,
        created_by=user,
        expectations=fields.pop("expectations", str(DEFAULT_EXPECTATIONS)),
        **fields,
    )
    if tags:
        community.tags.set(list(tags))
    Rule.objects.bulk_create(
        Rule(community=community, position=i, title=str(title), explanation=str(text))
        for i, (title, text) in enumerate(DEFAULT_RULES)
    )
    membership = Membership.objects.create(
        community=community,
        user=user,
        role=Membership.Role.FACILITATOR,
        status=Membership.Status.ACTIVE,
        joined_at=timezone.now(),
        onboarding_completed_at=timezone.now(),
    )
    _event(membership, user, MembershipEvent.Action.JOINED, _("started the community"))
    _recount(community)
    return community


@transaction.atomic
def community_update(*, community: Community, by, **fields) -> Community:
    """Change a community's settings; `tags` (a list of topic names) replaces its topics.

    Only the given fields are written, so counters and the stage changed meanwhile by
    someone else are not overwritten. An archived community is read-only.
    """
    _check_editable(community)
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(community, name, value)
    community.full_clean()
    if fields:
        community.save(update_fields=list(fields))
    if tags is not None:
        community.tags.set(list(tags))
    return community


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    required: bool
    hint: str
    url_name: str


def launch_checklist(community: Community) -> list[ChecklistItem]:
    """The fundamentals a community needs before it opens ("the start is critical")."""
    charter = community.current_charter
    team_invited = (
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.MEMBER)
        .count()
        > 1
        or Invitation.objects.filter(
            community=community,
            role__in=[Membership.Role.FACILITATOR, Membership.Role.CORE],
            revoked_at__isnull=True,
        ).exists()
    )
    items = [
        ChecklistItem(
            "challenge",
            _("Central challenge written"),
            bool(community.challenge.strip()),
            True,
            _("The concern members share, in a sentence or two."),
            "communities:manage",
        ),
        ChecklistItem(
            "purpose",
            _("Purpose written"),
            len(community.purpose.strip()) >= 20,
            True,
            _("Why the community exists and what members get out of it."),
            "communities:manage",
        ),
        ChecklistItem(
            "rules",
            _("At least three rules published in the charter"),
            bool(charter and len(charter.rules) >= 3),
            True,
            _("Edit the rules, then publish the charter."),
            "communities:manage_charter",
        ),
        ChecklistItem(
            "welcome",
            _("Welcome message written"),
            bool(community.welcome_message.strip()),
            True,
            _("What a new member reads first."),
            "communities:manage_onboarding",
        ),
        ChecklistItem(
            "onboarding",
            _("Onboarding steps chosen"),
            community.onboarding_configured,
            True,
            _("Decide what new members do in their first days."),
            "communities:manage_onboarding",
        ),
        ChecklistItem(
            "team",
            _("At least one more facilitator or core member invited"),
            team_invited,
            True,
            _("Nobody should carry a community alone."),
            "communities:manage_invitations",
        ),
    ]
    seed = _seed_post_item(community)
    if seed is not None:
        items.append(seed)
    return items


def _seed_post_item(community: Community) -> ChecklistItem | None:
    """Counts real experience posts once the practices app provides them."""
    try:
        from practices.services import seed_post_count
    except ImportError:
        return None
    return ChecklistItem(
        "seed_post",
        _("At least one seed experience post"),
        seed_post_count(community) > 0,
        True,
        _("Newcomers learn by example: share one experience before opening."),
        "practices:feed",
    )


def missing_for_launch(community: Community) -> list[ChecklistItem]:
    return [item for item in launch_checklist(community) if item.required and not item.done]


def _change_stage(community: Community, *, by, to: str, note: str = "") -> None:
    StageChange.objects.create(
        community=community, from_stage=community.stage, to_stage=to, changed_by=by, note=note
    )
    community.stage = to


@transaction.atomic
def community_launch(*, community: Community, by) -> Community:
    """Open a planned community. Refused while required checklist items are missing."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not community.is_planning:
        raise ValidationError(_("Only a community in planning can be launched."))
    missing = missing_for_launch(community)
    if missing:
        raise ValidationError(
            _("Still missing: %(items)s.") % {"items": ", ".join(str(i.label) for i in missing)}
        )
    _change_stage(community, by=by, to=Community.Stage.LAUNCHED)
    community.launched_at = community.last_activity_at = timezone.now()
    community.save(update_fields=["stage", "launched_at", "last_activity_at"])
    return community


@transaction.atomic
def community_archive(*, community: Community, by, note: str = "") -> Community:
    """Make a community read-only, with a closing note shown on top.

    Recorded in the stage history and in the moderation log. Safe to run twice.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.is_archived:
        return community
    _change_stage(community, by=by, to=Community.Stage.ARCHIVED, note=note)
    community.archived_at = timezone.now()
    community.closing_note = note
    community.save(update_fields=["stage", "archived_at", "closing_note"])
    ModerationAction.objects.create(
        community=community, actor=by, action=ModerationAction.Action.ARCHIVED, reason=note
    )
    return community


@transaction.atomic
def community_restore(*, community: Community, by, note: str = "") -> Community:
    """Staff bring an archived community back to launched.

    Recorded in the stage history and in the moderation log. Safe to run twice.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not community.is_archived:
        return community
    _change_stage(community, by=by, to=Community.Stage.LAUNCHED, note=note)
    community.archived_at = None
    community.save(update_fields=["stage", "archived_at"])
    ModerationAction.objects.create(
        community=community, actor=by, action=ModerationAction.Action.RESTORED, reason=note
    )
    return community


# --- Charter -------------------------------------------------------------------------


def _check_editable(community: Community) -> None:
    if community.is_archived:
        raise ValidationError(_("An archived community is read-only."))


@transaction.atomic
def rule_add(*, community: Community, title: str, explanation: str = "") -> Rule:
    _check_editable(community)
    last = community.rules.aggregate(m=Max("position"))["m"]
    return Rule.objects.create(
        community=community,
        position=0 if last is None else last + 1,
        title=title,
        explanation=explanation,
    )


@transaction.atomic
def rule_update(*, rule: Rule, title: str, explanation: str) -> Rule:
    _check_editable(rule.community)
    rule.title, rule.explanation = title, explanation
    rule.save(update_fields=["title", "explanation"])
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule) -> None:
    _check_editable(rule.community)
    community = rule.community
    rule.delete()
    rules_reorder(community=community, rule_ids=list(community.rules.values_list("pk", flat=True)))


@transaction.atomic
def rules_reorder(*, community: Community, rule_ids: Sequence[int]) -> None:
    """Put the community's rules in the given order; unknown ids are ignored."""
    _check_editable(community)
    rules = {r.pk: r for r in community.rules.all()}
    ordered = [rules[pk] for pk in rule_ids if pk in rules]
    ordered += [r for pk, r in rules.items() if pk not in set(rule_ids)]
    for position, rule in enumerate(ordered):
        rule.position = position
    Rule.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def rule_move(*, rule: Rule, direction: int) -> None:
    """Move a rule one place up (-1) or down (+1)."""
    ids = list(rule.community.rules.values_list("pk", flat=True))
    i = ids.index(rule.pk)
    j = max(0, min(len(ids) - 1, i + direction))
    ids[i], ids[j] = ids[j], ids[i]
    rules_reorder(community=rule.community, rule_ids=ids)


@transaction.atomic
def charter_publish(
    *, community: Community, by, is_material: bool, summary: str = ""
) -> CharterVersion:
    """Publish the current rules, purpose and expectations as a new charter version.

    A material change (and always the first version) must be accepted again by every
    member before they post or comment; the publisher accepts it at once.
    """
    _check_editable(community)
    community = Community.objects.select_for_update().get(pk=community.pk)
    rules = list(community.rules.values("title", "explanation"))
    if not rules:
        raise ValidationError(_("Add at least one rule before publishing the charter."))
    number = community.current_charter_number + 1
    is_material = is_material or number == 1
    version = CharterVersion.objects.create(
        community=community,
        number=number,
        rules=rules,
        purpose=community.purpose,
        expectations=community.expectations,
        is_material=is_material,
        summary=summary,
        published_by=by,
    )
    community.current_charter_number = number
    if is_material:
        community.required_charter_number = number
    community.save(update_fields=["current_charter_number", "required_charter_number"])
    publisher = Membership.objects.filter(community=community, user=by).first()
    if publisher and publisher.is_active:
        _accept_charter(publisher, version, actor=by)
    if is_material and number > 1:
        notifications.notify_charter_version(version)
    return version


def _accept_charter(membership: Membership, version: CharterVersion, *, actor) -> None:
    CharterAcceptance.objects.get_or_create(membership=membership, version=version)
    membership.accepted_charter_number = version.number
    membership.accepted_charter_at = timezone.now()
    membership.save(update_fields=["accepted_charter_number", "accepted_charter_at"])
    _event(membership, actor, MembershipEvent.Action.RULES_ACCEPTED, f"v{version.number}")


@transaction.atomic
def charter_accept(*, membership: Membership) -> Membership:
    """The member accepts the community's current charter version."""
    version = membership.community.current_charter
    if version is None:
        raise ValidationError(_("This community has no published rules yet."))
    _accept_charter(membership, version, actor=membership.user)
    _complete_onboarding_if_done(membership)
    return membership


# --- Join questions ------------------------------------------------------------------


@transaction.atomic
def questions_set(*, community: Community, texts: Iterable[str]) -> list[JoinQuestion]:
    """Replace the applicants' questions (at most five, blanks dropped)."""
    _check_editable(community)
    cleaned = [t.strip() for t in texts if t and t.strip()]
    if len(cleaned) > MAX_JOIN_QUESTIONS:
        raise ValidationError(_("Ask at most %(n)d questions.") % {"n": MAX_JOIN_QUESTIONS})
    community.questions.all().delete()
    return JoinQuestion.objects.bulk_create(
        JoinQuestion(community=community, position=i, text=text) for i, text in enumerate(cleaned)
    )


# --- Membership ----------------------------------------------------------------------


def _event(membership: Membership, actor, action: str, detail: str = "") -> None:
    MembershipEvent.objects.create(
        membership=membership, actor=actor, action=action, detail=str(detail)[:300]
    )


def _recount(community: Community) -> None:
    Community.objects.filter(pk=community.pk).update(
        member_count=Membership.objects.filter(
            community=community, status=Membership.Status.ACTIVE
        ).count()
    )


def _require_current_charter(community: Community, accepted_rules: bool) -> CharterVersion:
    version = community.current_charter
    if version is None:
        raise ValidationError(_("This community has no published rules yet."))
    if not accepted_rules:
        raise ValidationError(_("Please read and accept the community's rules to join."))
    return version


def _locked_membership(community: Community, user) -> Membership | None:
    return Membership.objects.select_for_update().filter(community=community, user=user).first()


def _check_can_apply(community: Community, existing: Membership | None) -> None:
    if existing and existing.status == Membership.Status.BANNED:
        raise ValidationError(_("You cannot join this community."))
    if existing and existing.status == Membership.Status.ACTIVE:
        raise ValidationError(_("You are already a member of this community."))
    if not community.is_launched:
        raise ValidationError(_("This community is not open for new members."))


def _activate(
    membership: Membership, *, role: str, version: CharterVersion, actor, action: str
) -> Membership:
    now = timezone.now()
    membership.status = Membership.Status.ACTIVE
    membership.role = role
    membership.joined_at = now
    membership.ended_at = None
    membership.onboarding_completed_at = None
    membership.reminders_sent = 0
    membership.last_reminder_at = None
    membership.save()
    _event(membership, actor, action)
    _accept_charter(membership, version, actor=membership.user)
    _complete_onboarding_if_done(membership)
    _recount(membership.community)
    return membership


@transaction.atomic
def membership_join(*, community: Community, user, accepted_rules: bool) -> Membership:
    """Join an open community after accepting its current rules."""
    existing = _locked_membership(community, user)
    _check_can_apply(community, existing)
    if community.join_policy != Community.JoinPolicy.OPEN:
        raise ValidationError(_("This community does not accept members directly."))
    version = _require_current_charter(community, accepted_rules)
    membership = existing or Membership(community=community, user=user)
    return _activate(
        membership,
        role=Membership.Role.MEMBER,
        version=version,
        actor=user,
        action=MembershipEvent.Action.JOINED,
    )


@transaction.atomic
def membership_request(
    *, community: Community, user, answers: Sequence[str], accepted_rules: bool
) -> Membership:
    """Ask to join a community that accepts members on request."""
    existing = _locked_membership(community, user)
    _check_can_apply(community, existing)
    if community.join_policy != Community.JoinPolicy.REQUEST:
        raise ValidationError(_("This community does not take requests."))
    if existing and existing.status == Membership.Status.PENDING:
        raise ValidationError(_("Your request is already waiting for a decision."))
    _require_current_charter(community, accepted_rules)
    questions = list(community.questions.values_list("text", flat=True))
    answers = list(answers)
    if len(answers) != len(questions) or any(not a.strip() for a in answers):
        raise ValidationError(_("Please answer every question."))
    membership = existing or Membership(community=community, user=user)
    membership.status = Membership.Status.PENDING
    membership.role = Membership.Role.MEMBER
    membership.answers = [
        {"question": q, "answer": a.strip()} for q, a in zip(questions, answers, strict=True)
    ]
    membership.requested_at = timezone.now()
    membership.decision_message = ""
    membership.save()
    _event(membership, user, MembershipEvent.Action.REQUESTED)
    _notify_facilitators_of_request(membership)
    return membership


def _notify_facilitators_of_request(membership: Membership) -> None:
    community = membership.community
    url = absolute_reverse("communities:manage_requests", community.slug)
    for facilitator in (
        Membership.objects.facilitators().filter(community=community).select_related("user")
    ):
        email_send(
            "membership_requested",
            to=facilitator.user.email,
            language=facilitator.user.language,
            context={
                "community": community,
                "applicant": membership.user,
                "user": facilitator.user,
                "url": url,
            },
        )


@transaction.atomic
def membership_approve(*, membership: Membership, by, message: str = "") -> Membership:
    """Approve a pending request. The applicant accepted the rules when applying."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    version = membership.community.current_charter
    membership.decision_message = message
    _activate(
        membership,
        role=Membership.Role.MEMBER,
        version=version,
        actor=by,
        action=MembershipEvent.Action.APPROVED,
    )
    notifications.notify_membership_decision(membership, approved=True, by=by)
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, by, message: str = "") -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    membership.status = Membership.Status.DECLINED
    membership.decision_message = message
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "decision_message", "ended_at"])
    _event(membership, by, MembershipEvent.Action.DECLINED, message)
    notifications.notify_membership_decision(membership, approved=False, by=by)
    return membership


def _other_facilitators(membership: Membership) -> int:
    return (
        Membership.objects.facilitators()
        .filter(community=membership.community)
        .exclude(pk=membership.pk)
        .count()
    )


def _end(
    membership: Membership, *, status: str, actor, action: str, detail: str = ""
) -> Membership:
    if membership.is_facilitator and not _other_facilitators(membership):
        raise ValidationError(
            _("A community needs a facilitator: hand the role to someone else first.")
        )
    membership.status = status
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    _event(membership, actor, action, detail)
    _recount(membership.community)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    """Leave a community. The last facilitator must hand over first."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("You are not a member of this community."))
    return _end(
        membership,
        status=Membership.Status.LEFT,
        actor=membership.user,
        action=MembershipEvent.Action.LEFT,
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by, reason: str = "") -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("This person is not an active member."))
    return _end(
        membership,
        status=Membership.Status.REMOVED,
        actor=by,
        action=MembershipEvent.Action.REMOVED,
        detail=reason,
    )


@transaction.atomic
def membership_ban(*, membership: Membership, by, reason: str = "") -> Membership:
    """Ban someone: they lose access and cannot join or request again."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status == Membership.Status.BANNED:
        return membership
    if membership.user_id == getattr(by, "pk", None):
        raise ValidationError(_("You cannot ban yourself."))
    return _end(
        membership,
        status=Membership.Status.BANNED,
        actor=by,
        action=MembershipEvent.Action.BANNED,
        detail=reason,
    )


@transaction.atomic
def membership_unban(*, membership: Membership, by) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.BANNED:
        return membership
    membership.status = Membership.Status.REMOVED
    membership.save(update_fields=["status"])
    _event(membership, by, MembershipEvent.Action.UNBANNED)
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, by, role: str) -> Membership:
    """Change a member's role; the last facilitator cannot step down."""
    membership = (
        Membership.objects.select_for_update().select_related("community").get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Only active members have a role."))
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    if membership.role == role:
        return membership
    if membership.is_facilitator and not _other_facilitators(membership):
        raise ValidationError(
            _("A community needs a facilitator: make someone else facilitator first.")
        )
    old = membership.get_role_display()
    membership.role = role
    membership.save(update_fields=["role"])
    _event(
        membership,
        by,
        MembershipEvent.Action.ROLE_CHANGED,
        f"{old} → {membership.get_role_display()}",
    )
    return membership


# --- Invitations ---------------------------------------------------------------------


def _send_invitation(invitation: Invitation) -> None:
    url = absolute_url(invitation.get_absolute_url())
    email_send(
        "invitation",
        to=invitation.email,
        language=invitation.community.language,
        context={"invitation": invitation, "community": invitation.community, "url": url},
    )


@transaction.atomic
def invitations_create(
    *, community: Community, by, emails: Iterable[str], role: str = "member", message: str = ""
) -> list[Invitation]:
    """Invite one or many email addresses; each gets a single-use link valid 14 days.

    Addresses of active or banned members are skipped; an earlier open invitation to
    the same address is replaced by the new one. A batch that goes over the sender's
    daily limit (settings.INVITATIONS_PER_DAY_LIMIT) is refused as a whole.
    """
    _check_editable(community)
    if community.is_planning and role == Membership.Role.MEMBER:
        raise ValidationError(
            _("While the community is in planning, invite core members or facilitators.")
        )
    from allauth.account.models import EmailAddress

    from .moderation import invitation_limit_error, invitations_left_today

    left = invitations_left_today(by)
    created = []
    for raw in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        user_ids = EmailAddress.objects.filter(email__iexact=raw).values("user_id")
        if Membership.objects.filter(
            community=community,
            user_id__in=user_ids,
            status__in=[Membership.Status.ACTIVE, Membership.Status.BANNED],
        ).exists():
            continue
        if len(created) >= left:
            # Over the daily limit: the whole batch is refused and nothing is kept.
            raise invitation_limit_error(left)
        Invitation.objects.filter(
            community=community,
            email__iexact=raw,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        now = timezone.now()
        invitation = Invitation.objects.create(
            community=community,
            email=raw,
            role=role,
            invited_by=by,
            message=message,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        # A member who owns the address hears through their notifications instead.
        if not notifications.notify_invitation(invitation):
            _send_invitation(invitation)
        created.append(invitation)
    return created


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by) -> Invitation:
    """Send a fresh link for an unaccepted invitation (the old link stops working)."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    created = invitations_create(
        community=invitation.community,
        by=by,
        emails=[invitation.email],
        role=invitation.role,
        message=invitation.message,
    )
    if not created:
        raise ValidationError(
            _("%(email)s is already a member or is banned; no invitation was sent.")
            % {"email": invitation.email}
        )
    return created[0]


def invitation_check(*, invitation: Invitation, user) -> None:
    """Raise ValidationError saying why `user` cannot redeem `invitation`, if they cannot."""
    from allauth.account.models import EmailAddress

    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn by the facilitators."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask the facilitators for a new one."))
    if invitation.community.is_archived:
        raise ValidationError(_("This community has been archived."))
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership = Membership.objects.filter(community=invitation.community, user=user).first()
    if membership and membership.status == Membership.Status.BANNED:
        raise ValidationError(_("You cannot join this community."))


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user, accepted_rules: bool) -> Membership:
    """Redeem an invitation: bound to its email, single use, and the rules still apply."""
    invitation = (
        Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )
    invitation_check(invitation=invitation, user=user)
    community = invitation.community
    version = _require_current_charter(community, accepted_rules)
    existing = _locked_membership(community, user)
    if existing and existing.is_active:
        # Already in: an invitation can still raise the role.
        if invitation.role != Membership.Role.MEMBER and existing.role == Membership.Role.MEMBER:
            existing.role = invitation.role
            existing.save(update_fields=["role"])
        membership = existing
    else:
        membership = _activate(
            existing or Membership(community=community, user=user),
            role=invitation.role,
            version=version,
            actor=user,
            action=MembershipEvent.Action.INVITATION_ACCEPTED,
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


# --- Onboarding ----------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    done: bool


def onboarding_steps(membership: Membership) -> list[OnboardingStep]:
    """The steps this community asks of a new member, and which are done."""
    community = membership.community
    steps = [
        OnboardingStep(
            "rules",
            _("Accept the community's rules"),
            membership.accepted_charter_number >= community.required_charter_number > 0,
        )
    ]
    if community.onboarding_profile:
        steps.append(
            OnboardingStep(
                "profile",
                _("Say what you can help with and what you want to learn"),
                membership.profile_completed_at is not None,
            )
        )
    if community.onboarding_intro:
        steps.append(
            OnboardingStep("intro", _("Introduce yourself"), membership.introduced_at is not None)
        )
    if community.onboarding_pinned:
        steps.append(
            OnboardingStep(
                "pinned", _("Read the starter posts"), membership.pinned_read_at is not None
            )
        )
    return steps


def _complete_onboarding_if_done(membership: Membership) -> None:
    if membership.onboarding_completed_at is None and all(
        step.done for step in onboarding_steps(membership)
    ):
        membership.onboarding_completed_at = timezone.now()
        membership.save(update_fields=["onboarding_completed_at"])


@transaction.atomic
def onboarding_set_profile(
    *, membership: Membership, can_help_with: Sequence[str], wants_to_learn: Sequence[str]
) -> Membership:
    """Store what the member can help with and wants to learn in this community."""
    membership.can_help_with.set(list(can_help_with))
    membership.wants_to_learn.set(list(wants_to_learn))
    done = bool(can_help_with or wants_to_learn)
    membership.profile_completed_at = (
        (membership.profile_completed_at or timezone.now()) if done else None
    )
    membership.save(update_fields=["profile_completed_at"])
    _complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_introduce(*, membership: Membership, intro: str) -> Membership:
    membership.intro = intro.strip()
    membership.introduced_at = timezone.now() if membership.intro else None
    membership.save(update_fields=["intro", "introduced_at"])
    _complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_mark_pinned_read(*, membership: Membership) -> Membership:
    if membership.pinned_read_at is None:
        membership.pinned_read_at = timezone.now()
        membership.save(update_fields=["pinned_read_at"])
        _complete_onboarding_if_done(membership)
    return membership


@transaction.atomic
def onboarding_configure(
    *,
    community: Community,
    welcome_message: str,
    profile: bool,
    intro: bool,
    pinned: bool,
    reminder_first_days: int | None = None,
    reminder_second_days: int | None = None,
) -> Community:
    """Choose the welcome, the steps for new members and, optionally, after how many
    days the two onboarding reminders go out (the second after the first)."""
    _check_editable(community)
    first = reminder_first_days or community.reminder_first_days
    second = reminder_second_days or community.reminder_second_days
    if second <= first:
        raise ValidationError(_("The second reminder must come after the first."))
    community.welcome_message = welcome_message
    community.onboarding_profile = profile
    community.onboarding_intro = intro
    community.onboarding_pinned = pinned
    community.reminder_first_days = first
    community.reminder_second_days = second
    community.onboarding_configured = True
    community.save(
        update_fields=[
            "welcome_message",
            "onboarding_profile",
            "onboarding_intro",
            "onboarding_pinned",
            "reminder_first_days",
            "reminder_second_days",
            "onboarding_configured",
        ]
    )
    return community


def touch_activity(community: Community) -> None:
    """Record that something happened in the community (for the directory's ordering)."""
    Community.objects.filter(pk=community.pk).update(last_activity_at=timezone.now())
