from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("How other members see you, e.g. your first name and surname."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar", "time_zone", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
