"""Filters for search and the lessons library (GET forms: validation only)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community

from ..models import Post
from ..search import MAX_QUERY_LENGTH
from ..tags import MAX_TAG_LENGTH, normalise_tag


class _CommunityFilterForm(forms.Form):
    """`communities` are the ones the viewer may read, fetched once by the view."""

    community = forms.ChoiceField(label=_("Community"), required=False)
    tag = forms.CharField(label=_("Topic"), required=False, max_length=MAX_TAG_LENGTH)

    def __init__(self, data=None, *, communities: Sequence[Community]):
        super().__init__(data)
        self._communities = {c.slug: c for c in communities}
        self.fields["community"].choices = [
            ("", _("All communities")),
            *((c.slug, c.name) for c in communities),
        ]

    def clean_tag(self) -> str:
        return normalise_tag(self.cleaned_data.get("tag", ""))

    def filters(self) -> dict:
        """The valid filters; a field with an error is simply left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = dict(self.cleaned_data)
        cleaned["community"] = self._communities.get(cleaned.get("community") or "")
        return cleaned


class SearchForm(_CommunityFilterForm):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _('e.g. "bedside handover" or checklist -paper'),
                "autocomplete": "off",
                "enterkeyhint": "search",
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Experiences and challenges")), *Post.Kind.choices],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any outcome")), *Post.Outcome.choices],
    )

    field_order = ["q", "community", "kind", "outcome", "tag"]


class LessonsFilterForm(_CommunityFilterForm):
    pass
