from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SUBSCRIBABLE


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on the public internet that accepts POST requests."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/practica"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What it is for, so that the other facilitators know."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=SUBSCRIBABLE,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Switched off, it receives nothing."),
    )
