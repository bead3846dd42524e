"""Forms for the public and member pages of a community. Validation only: services write."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField
from taggit.utils import edit_string_for_tags

from .models import Community, JoinQuestion, Membership


class KindRadioSelect(forms.RadioSelect):
    """Radio buttons for the community kind; each option carries its one-sentence `help`."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = Community.KIND_HELP.get(value, "")
        return option


class CommunityCreateForm(forms.ModelForm):
    tags = TagField(
        label=_("Topics"),
        required=False,
        help_text=_("Comma-separated, for example: handover, patient safety, nursing."),
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
        ]
        widgets = {
            "kind": KindRadioSelect,
            "cover_color": forms.RadioSelect,
            "challenge": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "name": _("Short and recognisable, for example “Safe shift handovers”."),
            "challenge": _(
                "The concern members share, in a sentence or two. It is what people see first."
            ),
            "purpose": _(
                "Why the community exists and what members get out of it. Markdown is supported."
            ),
            "audience": _("For example “Nurses and ward leads who run shift handovers”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["challenge"].required = True
        # A model field with a default renders a blank choice otherwise.
        self.fields["kind"].choices = Community.Kind.choices
        self.fields["cover_color"].choices = Community.Cover.choices

    def service_kwargs(self) -> dict:
        """The cleaned values as `services.community_create` takes them."""
        data = dict(self.cleaned_data)
        data["tags"] = list(data.get("tags") or [])
        return data


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or challenge"), "autocomplete": "off"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Community.Kind.choices],
    )
    tag = forms.SlugField(label=_("Topic"), required=False, widget=forms.HiddenInput)


class MemberFilterForm(forms.Form):
    tag = forms.CharField(label=_("Topic"), required=False, max_length=100)

    def clean_tag(self) -> str:
        # People type a topic's name ("Night shifts"); links carry its slug ("night-shifts").
        return slugify(self.cleaned_data["tag"], allow_unicode=True)


class RulesAcceptForm(forms.Form):
    """The checkbox that says someone read the rules. The service enforces it too."""

    accept_label = _("I have read and accept the rules")

    accepted_rules = forms.BooleanField(
        required=True,
        error_messages={"required": _("Please read and accept the community's rules.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["accepted_rules"].label = self.accept_label


class CharterAcceptForm(RulesAcceptForm):
    accept_label = _("I have read and accept the updated rules")


class JoinForm(RulesAcceptForm):
    """Accepting the rules and, for communities that take requests, answering the questions."""

    def __init__(self, *args, questions: Sequence[JoinQuestion] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        accept = self.fields.pop("accepted_rules")
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question.text,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": _("Please answer this question.")},
            )
        # The rules come last: people read them, answer, then confirm.
        self.fields["accepted_rules"] = accept

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{i}"] for i in range(len(self.questions))]


class OnboardingProfileForm(forms.Form):
    can_help_with = TagField(
        label=_("I can help with"),
        required=False,
        help_text=_("Comma-separated topics, for example: rota planning, SBAR."),
    )
    wants_to_learn = TagField(
        label=_("I want to learn about"),
        required=False,
        help_text=_("Comma-separated topics you would like others' experience on."),
    )

    @classmethod
    def for_membership(cls, membership: Membership, data=None) -> OnboardingProfileForm:
        initial = {
            "can_help_with": edit_string_for_tags(list(membership.can_help_with.all())),
            "wants_to_learn": edit_string_for_tags(list(membership.wants_to_learn.all())),
        }
        return cls(data, initial=initial, prefix="profile")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("can_help_with") and not cleaned.get("wants_to_learn"):
            raise forms.ValidationError(
                _("Name at least one topic you can help with or want to learn about.")
            )
        return cleaned


class OnboardingIntroForm(forms.Form):
    intro = forms.CharField(
        label=_("Introduce yourself"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few lines: your work, what brings you here. Shown on the member list."),
        error_messages={"required": _("Write a few lines about yourself.")},
    )

    @classmethod
    def for_membership(cls, membership: Membership, data=None) -> OnboardingIntroForm:
        return cls(data, initial={"intro": membership.intro}, prefix="intro")
