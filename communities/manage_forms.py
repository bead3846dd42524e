"""Forms for the facilitators' settings pages: validation only, the views call the services."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.uploads import ImageUploadField, cover_policy

from .models import MAX_JOIN_QUESTIONS, Community, Membership, Rule

MAX_INVITATIONS_AT_ONCE = 100
MAX_REMINDER_DAYS = 90

VISIBILITY_HELP = {
    Community.Visibility.PUBLIC: _(
        "Listed in the directory. Anyone, signed in or not, can read posts and comments."
    ),
    Community.Visibility.MEMBERS: _(
        "Listed in the directory with its name, challenge, purpose and rules; posts, "
        "comments and the member list are for members only."
    ),
    Community.Visibility.HIDDEN: _(
        "Not listed anywhere. Only members and people holding an invitation can open it."
    ),
}
JOIN_POLICY_HELP = {
    Community.JoinPolicy.OPEN: _("Anyone signed in can join at once after accepting the rules."),
    Community.JoinPolicy.REQUEST: _(
        "Applicants accept the rules and answer your join questions; a facilitator approves "
        "or declines each request."
    ),
    Community.JoinPolicy.INVITATION: _(
        "Only people you invite by email can join; nobody can ask to join."
    ),
}

ROLE_HELP = {
    Membership.Role.MEMBER: _("Takes part: reads, posts and comments."),
    Membership.Role.CORE: _(
        "Carries the community with you: welcomes newcomers and keeps conversations going; "
        "sees the community while it is being planned."
    ),
    Membership.Role.FACILITATOR: _(
        "Runs the community with you: details, rules, requests, invitations and members."
    ),
}


def _described(bound_field, descriptions: dict) -> list[tuple]:
    """Radio buttons paired with the sentence that explains each choice."""
    return [(radio, descriptions.get(radio.data["value"], "")) for radio in bound_field]


class CommunityDetailsForm(forms.ModelForm):
    cover_image = ImageUploadField(
        policy=cover_policy(),
        label=capfirst(Community._meta.get_field("cover_image").verbose_name),
        required=False,
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "kind",
            "challenge",
            "purpose",
            "audience",
            "meeting_rhythm",
            "language",
            "cover_color",
            "cover_image",
            "tags",
            "visibility",
            "join_policy",
            "allows_unnamed_posts",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
            "cover_color": forms.RadioSelect,
            "challenge": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "audience": _('For example "ward nurses and nurse educators in the region".'),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover_image"].widget.current_url = self.instance.cover_url

    RADIO_FIELDS = ("kind", "visibility", "join_policy", "cover_color")

    @property
    def kind_options(self) -> list[tuple]:
        return _described(self["kind"], Community.KIND_HELP)

    @property
    def visibility_options(self) -> list[tuple]:
        return _described(self["visibility"], VISIBILITY_HELP)

    @property
    def join_policy_options(self) -> list[tuple]:
        return _described(self["join_policy"], JOIN_POLICY_HELP)

    def text_fields(self) -> list:
        """The fields the shared field template renders; radios get their own markup."""
        return [f for f in self.visible_fields() if f.name not in self.RADIO_FIELDS]


class ArchiveForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "Shown at the top of every page of the community, e.g. why it closes and "
            "where members can continue."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand that nobody can post, comment or join any more."),
        error_messages={"required": _("Tick the box to confirm that you want to archive.")},
    )


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["title", "explanation"]
        widgets = {"explanation": forms.Textarea(attrs={"rows": 3})}


class ExpectationsForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["expectations"]
        widgets = {"expectations": forms.Textarea(attrs={"rows": 4})}


class CharterPublishForm(forms.Form):
    is_material = forms.BooleanField(
        label=_("Material change: members must accept the rules again"),
        required=False,
        initial=True,
        help_text=_(
            "Members can keep reading, but cannot post or comment until they accept. "
            "Leave it unticked for corrections that change nothing of substance."
        ),
    )
    summary = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences; members see it with the new version."),
    )


class QuestionsForm(forms.Form):
    """Up to five questions, one field each; blank fields are dropped."""

    def __init__(self, *args, questions: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        questions = questions or []
        for i in range(MAX_JOIN_QUESTIONS):
            self.fields[f"question_{i + 1}"] = forms.CharField(
                label=_("Question %(n)d") % {"n": i + 1},
                max_length=300,
                required=False,
                initial=questions[i] if i < len(questions) else "",
            )

    @property
    def texts(self) -> list[str]:
        return [self.cleaned_data[f"question_{i + 1}"] for i in range(MAX_JOIN_QUESTIONS)]


class OnboardingForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = [
            "welcome_message",
            "onboarding_profile",
            "onboarding_intro",
            "onboarding_pinned",
            "reminder_first_days",
            "reminder_second_days",
        ]
        widgets = {"welcome_message": forms.Textarea(attrs={"rows": 8})}
        labels = {
            "onboarding_profile": _("Say what they can help with and what they want to learn"),
            "onboarding_intro": _("Introduce themselves to the community"),
            "onboarding_pinned": _("Read the pinned starter posts"),
            "reminder_first_days": _("First reminder after (days)"),
            "reminder_second_days": _("Second reminder after (days)"),
        }
        help_texts = {
            "reminder_first_days": _("Counted from the day they joined."),
            "reminder_second_days": _("The last one: nobody gets more than two reminders."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reminder_first_days", "reminder_second_days"):
            # Left out, the current delays stay as they are.
            field = self.fields[name]
            field.required = False
            field.validators += [MinValueValidator(1), MaxValueValidator(MAX_REMINDER_DAYS)]
            field.widget.attrs.update({"min": 1, "max": MAX_REMINDER_DAYS})

    def clean(self):
        cleaned = super().clean()
        for name in ("reminder_first_days", "reminder_second_days"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        first, second = cleaned.get("reminder_first_days"), cleaned.get("reminder_second_days")
        if first and second and second <= first:
            self.add_error(
                "reminder_second_days", _("The second reminder must come after the first.")
            )
        return cleaned

    def step_fields(self) -> list:
        return [
            self[name] for name in ("onboarding_profile", "onboarding_intro", "onboarding_pinned")
        ]

    def reminder_fields(self) -> list:
        return [self["reminder_first_days"], self["reminder_second_days"]]


def split_emails(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or new lines, without repeats."""
    return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text) if part))


class InvitationForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One or many, separated by commas, spaces or new lines."),
    )
    role = forms.ChoiceField(label=_("Invite as"), widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Included in the invitation email."),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        roles = Membership.Role.choices
        if community.is_planning:
            # While planning, the service accepts only the founding team.
            roles = [(v, label) for v, label in roles if v != Membership.Role.MEMBER]
        self.fields["role"].choices = roles
        self.fields["role"].initial = roles[0][0]

    @property
    def role_options(self) -> list[tuple]:
        return _described(self["role"], ROLE_HELP)

    def clean_emails(self) -> list[str]:
        emails = split_emails(self.cleaned_data["emails"])
        if not emails:
            raise ValidationError(_("Enter at least one email address."))
        validate = EmailValidator()
        invalid = []
        for email in emails:
            try:
                validate(email)
            except ValidationError:
                invalid.append(email)
        if invalid:
            raise ValidationError(
                ngettext(
                    "This address is not valid: %(emails)s. Correct or remove it.",
                    "These addresses are not valid: %(emails)s. Correct or remove them.",
                    len(invalid),
                )
                % {"emails": ", ".join(invalid)}
            )
        if len(emails) > MAX_INVITATIONS_AT_ONCE:
            raise ValidationError(
                _("Invite at most %(n)d people at once.") % {"n": MAX_INVITATIONS_AT_ONCE}
            )
        return emails


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MemberActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("role", "role"), ("remove", "remove"), ("ban", "ban"), ("unban", "unban")]
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, required=False)
    reason = forms.CharField(max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "role" and not data.get("role"):
            raise ValidationError(_("Choose a role."))
        return data
