"""Forms for reporting and reviewing content: validation only; the moderation services act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community

from ..moderation.reporting import OTHER, RuleChoice

# Review actions that hide the item: each needs a reason the author reads.
HIDING_ACTIONS = ("hide", "warn", "remove", "ban")
REVIEW_ACTION_CHOICES = [
    ("dismiss", _("Dismiss the reports")),
    ("show", _("Show it again")),
    ("hide", _("Hide")),
    ("warn", _("Hide and warn the author")),
    ("remove", _("Hide and remove the author")),
    ("ban", _("Hide and ban the author")),
]


def _rule_options(choices: list[RuleChoice]) -> list[tuple[str, str]]:
    return [(choice.key, choice.title) for choice in choices]


class ReportForm(forms.Form):
    """Which rule of the charter a post or comment breaks, or something else with a note."""

    rule = forms.ChoiceField(
        label=_("Which rule does it break?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the rule it breaks, or “something else”.")},
    )
    note = forms.CharField(
        label=_("What should the facilitators know?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the facilitators read this. Needed when you choose “something else”."),
    )

    def __init__(self, *args, choices: list[RuleChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [*_rule_options(choices), (OTHER, _("Something else"))]
        self.explanations = {choice.key: choice.explanation for choice in choices}
        self.explanations[OTHER] = _("Spam, something unsafe, or anything the rules do not name.")

    @property
    def rule_options(self) -> list[tuple]:
        """Each rule's radio button with the rule's explanation from the charter."""
        return [(radio, self.explanations.get(radio.data["value"], "")) for radio in self["rule"]]

    def clean(self):
        data = super().clean()
        if data.get("rule") == OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say what is wrong when no rule of the charter fits."))
        return data


class ReviewForm(forms.Form):
    """A facilitator's decision on a reported (or hidden) post or comment."""

    action = forms.ChoiceField(choices=REVIEW_ACTION_CHOICES)
    rule = forms.ChoiceField(label=_("Rule broken"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_(
            "The author reads it with their hidden content. Left empty, the rule is named."
        ),
    )

    def __init__(self, *args, choices: list[RuleChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_titles = {choice.key: choice.title for choice in choices}
        self.fields["rule"].choices = [("", _("No particular rule")), *_rule_options(choices)]

    def clean(self):
        data = super().clean()
        action, rule = data.get("action"), data.get("rule")
        if action in HIDING_ACTIONS and not (data.get("reason") or "").strip():
            if rule:
                # The rule says it well enough when the facilitator adds nothing.
                data["reason"] = _("It breaks the rule “%(rule)s”.") % {
                    "rule": self.rule_titles[rule]
                }
            else:
                self.add_error("reason", _("Say why it is hidden, or choose the rule it breaks."))
        return data


class ApprovalForm(forms.Form):
    """Approve or reject a post that waits for approval."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Message to the author"),
        required=False,
        max_length=1000,
        help_text=_("Needed to reject: the author reads it on the post, which becomes a draft."),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why, so the author can change the post."))
        return data


class ReviewRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Why should the facilitators look again?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SafeguardsForm(forms.ModelForm):
    """The community's thresholds for reports, pre-moderation and new members' limits."""

    class Meta:
        model = Community
        fields = [
            "report_threshold",
            "premoderation_posts",
            "new_member_days",
            "new_member_posts_per_day",
            "new_member_comments_per_day",
            "new_member_links_per_post",
        ]
        help_texts = {
            "report_threshold": _(
                "Reports from this many members hide a post or comment until a facilitator "
                "reviews it. 0 turns automatic hiding off."
            ),
            "premoderation_posts": _(
                "A member's first posts wait in the review queue until a facilitator approves "
                "them. 0 turns pre-moderation off."
            ),
            "new_member_days": _("Facilitators and core members are never limited."),
            "new_member_posts_per_day": _("0 turns this limit off."),
            "new_member_comments_per_day": _("0 turns this limit off."),
            "new_member_links_per_post": _("Counts web addresses (http and https). 0: no links."),
        }
        widgets = {name: forms.NumberInput(attrs={"min": 0, "max": 999}) for name in fields}
