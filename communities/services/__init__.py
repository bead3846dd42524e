"""Every write to communities, charters, memberships and invitations, by journey.

`lifecycle` (founding, launch, archive), `charter` (rules and their versions),
`questions` (join questions), `memberships` (joining, leaving, roles, bans),
`invitations`, `onboarding`; `checklist` reads what a launch still needs and
`history` records what every membership change leaves behind. Callers write
`from communities import services` and `services.membership_join(...)`.
"""

from .charter import (
    charter_accept,
    charter_publish,
    record_charter_acceptance,
    rule_add,
    rule_delete,
    rule_move,
    rule_update,
    rules_reorder,
)
from .checklist import (
    ChecklistItem,
    launch_checklist,
    missing_for_launch,
)
from .invitations import (
    invitation_accept,
    invitation_check,
    invitation_limit_error,
    invitation_resend,
    invitation_revoke,
    invitations_create,
    invitations_left_today,
)
from .lifecycle import (
    DEFAULT_EXPECTATIONS,
    DEFAULT_RULES,
    check_editable,
    community_archive,
    community_create,
    community_launch,
    community_restore,
    community_update,
    touch_activity,
)
from .memberships import (
    activate_membership,
    check_can_apply,
    locked_membership,
    membership_approve,
    membership_ban,
    membership_decline,
    membership_join,
    membership_leave,
    membership_remove,
    membership_request,
    membership_set_role,
    membership_unban,
    require_current_charter,
)
from .onboarding import (
    OnboardingStep,
    complete_onboarding_if_done,
    onboarding_configure,
    onboarding_introduce,
    onboarding_mark_pinned_read,
    onboarding_set_profile,
    onboarding_steps,
)
from .questions import (
    questions_set,
)

__all__ = [
    "ChecklistItem",
    "DEFAULT_EXPECTATIONS",
    "DEFAULT_RULES",
    "OnboardingStep",
    "activate_membership",
    "charter_accept",
    "charter_publish",
    "check_can_apply",
    "check_editable",
    "community_archive",
    "community_create",
    "community_launch",
    "community_restore",
    "community_update",
    "complete_onboarding_if_done",
    "invitation_accept",
    "invitation_check",
    "invitation_limit_error",
    "invitation_resend",
    "invitation_revoke",
    "invitations_create",
    "invitations_left_today",
    "launch_checklist",
    "locked_membership",
    "membership_approve",
    "membership_ban",
    "membership_decline",
    "membership_join",
    "membership_leave",
    "membership_remove",
    "membership_request",
    "membership_set_role",
    "membership_unban",
    "missing_for_launch",
    "onboarding_configure",
    "onboarding_introduce",
    "onboarding_mark_pinned_read",
    "onboarding_set_profile",
    "onboarding_steps",
    "questions_set",
    "record_charter_acceptance",
    "require_current_charter",
    "rule_add",
    "rule_delete",
    "rule_move",
    "rule_update",
    "rules_reorder",
    "touch_activity",
]
