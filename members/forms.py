import zoneinfo
from datetime import datetime
from functools import cache

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
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


# Offered first in the time-zone list: where most members live, then the big cities
# of each continent. Every other zone follows, by region and city.
COMMON_TIME_ZONES = (
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def known_time_zones() -> dict[str, str]:
    """Every zone Python knows, by its lower-case name (what a member may type)."""
    return {name.lower(): name for name in zoneinfo.available_timezones() if name != "localtime"}


@cache
def listed_time_zones() -> tuple[str, ...]:
    """The zones the list offers: the common ones, then every "Region/City" zone in
    order (old aliases such as "US/Eastern" are accepted when typed, not listed)."""
    known = set(known_time_zones().values())
    common = [name for name in COMMON_TIME_ZONES if name in known]
    rest = sorted(
        name
        for name in known
        if name.split("/", 1)[0] in REGIONS and "/" in name and name not in common
    )
    return (*common, *rest)


def utc_offset(name: str, when: datetime) -> str:
    """ "UTC+01:00" for `name` at `when`."""
    offset = when.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class TimeZoneInput(forms.TextInput):
    """A text input searching a list of zones (`<datalist>`, common ones first), with a
    button that offers the browser's own zone (static/js/practica.js shows it; without
    JavaScript the input and its list work alone)."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = f"{context['widget']['attrs']['id']}_list"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {"id": f"id_{name}", **(attrs or {})}
        now = datetime.now(tz=zoneinfo.ZoneInfo("UTC"))
        return render_to_string(
            "members/includes/time_zone_input.html",
            {
                "input": super().render(name, value, attrs, renderer),
                "input_id": attrs["id"],
                "zones": [(zone, utc_offset(zone, now)) for zone in listed_time_zones()],
            },
        )


class TimeZoneField(forms.CharField):
    """A zone name from `zoneinfo.available_timezones()`, typed or picked from the list;
    letter case and spaces for underscores do not matter."""

    widget = TimeZoneInput
    default_error_messages = {
        "unknown": _(
            "“%(value)s” is not a time zone we know. Type a city, e.g. Berlin, and "
            "choose its zone from the list, such as Europe/Berlin."
        ),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        typed = value.strip().replace(" ", "_")
        found = known_time_zones().get(typed.lower())
        if found is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": value}
            )
        return found


class ProfileForm(forms.ModelForm):
    avatar = ImageUploadField(
        policy=avatar_policy(),
        label=capfirst(User._meta.get_field("avatar").verbose_name),
        required=False,
    )
    time_zone = TimeZoneField(
        label=capfirst(User._meta.get_field("time_zone").verbose_name),
        max_length=64,
        help_text=_("Dates, times and your digest follow it. Type a city or a region to find it."),
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
