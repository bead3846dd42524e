"""The playbook's forms: validation only; the services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PlaybookPage

BODY_HELP = _(
    "Markdown: # and ## make headings (they become the page's contents), "
    "**bold**, *italic*, - lists, [links](https://…)."
)


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


class _PageTextForm(forms.Form):
    """A page's title and Markdown text, as the team writes it or a member proposes it."""

    title = forms.CharField(label=_("Title"), max_length=PlaybookPage.TITLE_MAX_CHARS)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=PlaybookPage.BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].is_essential = True


class PageForm(_PageTextForm):
    evidence = EvidenceChoiceField(
        label=_("Based on these experiences"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=300,
        help_text=_("Shown in the page's history."),
    )

    def __init__(self, *args, evidence_choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evidence_choices

    def service_data(self) -> dict:
        """What the page services take from a valid form."""
        return {name: self.cleaned_data[name] for name in ("title", "body", "evidence", "note")}


class ProposalForm(_PageTextForm):
    note = forms.CharField(
        label=_("Why this change"),
        required=False,
        max_length=300,
        help_text=_("A facilitator reads this when deciding on your proposal."),
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why, so the member can learn from it."))
        return data


class MoveForm(forms.Form):
    direction = forms.TypedChoiceField(choices=[("-1", "up"), ("1", "down")], coerce=int)
