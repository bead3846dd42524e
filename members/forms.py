from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from config.uploads import ImageUploadField, avatar_policy

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
        # Emails go out in the language the person signed up in, until they choose.
        active = translation.get_language() or settings.LANGUAGE_CODE
        known = dict(settings.LANGUAGES)
        user.language = active if active in known else active.split("-")[0]
        if user.language not in known:
            user.language = settings.LANGUAGE_CODE
        user.save(update_fields=["display_name", "language"])


class ProfileForm(forms.ModelForm):
    avatar = ImageUploadField(
        policy=avatar_policy(),
        label=capfirst(User._meta.get_field("avatar").verbose_name),
        required=False,
    )

    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar", "time_zone", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].widget.current_url = self.instance.avatar_url


class NotificationPreferencesForm(forms.Form):
    """A channel per kind of notification, the digest cadence and, per community, whether
    the digest covers it. Field names: `kind_<kind>`, `digest_cadence`, `digest_<membership
    id>`."""

    digest_cadence = forms.ChoiceField(
        label=_("Digest email"),
        choices=User._meta.get_field("digest_cadence").choices,
        widget=forms.RadioSelect,
        help_text=_("A morning email, in your time zone, with what matters to you."),
    )

    def __init__(self, *args, user: User, channels: dict[str, str], memberships, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Channel, NotificationKind

        self.fields["digest_cadence"].initial = user.digest_cadence
        for kind, label in NotificationKind.choices:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
                initial=channels[kind],
            )
        self.memberships = list(memberships)
        for membership in self.memberships:
            self.fields[f"digest_{membership.pk}"] = forms.BooleanField(
                label=membership.community.name,
                required=False,
                initial=not membership.digest_opt_out,
            )

    def kind_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("kind_")]

    def community_fields(self) -> list:
        return [self[f"digest_{membership.pk}"] for membership in self.memberships]

    def channels(self) -> dict[str, str]:
        return {
            name.removeprefix("kind_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("kind_")
        }

    def digest_included(self) -> dict[int, bool]:
        return {m.pk: bool(self.cleaned_data[f"digest_{m.pk}"]) for m in self.memberships}


class ApiTokenForm(forms.Form):
    """A new personal access token: what it is for, what it may do, how long it lives."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use it, e.g. “Team dashboard” or “My phone”."),
        error_messages={"required": _("Give the token a name, so you know what uses it.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=[],
        initial="read",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the token may do.")},
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=[],
        error_messages={"required": _("Choose how long the token stays valid.")},
    )

    def __init__(self, *args, **kwargs):
        from .api_tokens import ApiTokenScope, api_token_lifetimes

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (ApiTokenScope.READ, _("Read only: see what you can see on the site")),
            (ApiTokenScope.WRITE, _("Read and write: also post, comment, react and answer")),
        ]
        lifetimes = api_token_lifetimes()
        self.fields["lifetime_days"].choices = [
            (days, ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in lifetimes
        ]
        self.fields["lifetime_days"].initial = 90 if 90 in lifetimes else lifetimes[-1]
