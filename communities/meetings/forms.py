"""Forms for meetings: validation only; the services do the writing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Audience, ReminderPreference
from .recurrence import Pattern, build_rule

TIME_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
TIME_ZONE_CHOICES = [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in TIME_ZONES)]


class _MeetingFields(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown is supported."),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=300,
        required=False,
        help_text=_("A room or a video link. Only people who may attend see it."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    audience = forms.ChoiceField(
        label=_("Who may attend"), choices=Audience.choices, initial=Audience.MEMBERS
    )

    def starts_local(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])

    def meeting_data(self) -> dict:
        names = ("title", "agenda", "place", "capacity", "audience", "duration_minutes")
        return {name: self.cleaned_data.get(name) for name in names}


class MeetingScheduleForm(_MeetingFields):
    time_zone = forms.ChoiceField(
        label=_("Community's time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("The meeting keeps its local time here, also across daylight saving."),
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Pattern.CHOICES, initial=Pattern.ONCE)
    interval = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=12,
        initial=1,
        required=False,
        help_text=_("1 for every week or month, 2 for every second one, and so on."),
    )
    until = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to keep the rhythm going."),
    )
    custom_rule = forms.CharField(
        label=_("Custom rule"),
        required=False,
        max_length=300,
        help_text=_("Only for “Custom rule”, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU."),
    )
    skip_dates = forms.CharField(
        label=_("Leave out these dates"),
        required=False,
        help_text=_("Dates without a meeting, such as holidays: 2027-12-24, 2027-12-31."),
    )
    invite = forms.BooleanField(
        label=_("Email the members an invitation with a calendar file"),
        required=False,
        initial=True,
    )

    def clean_skip_dates(self) -> list[date]:
        found = []
        for part in (self.cleaned_data.get("skip_dates") or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                found.append(date.fromisoformat(part))
            except ValueError as exc:
                raise ValidationError(_("Write dates as YYYY-MM-DD, separated by commas.")) from exc
        return found

    def clean(self):
        cleaned = super().clean()
        repeat = cleaned.get("repeat")
        if self.errors or repeat in (None, Pattern.ONCE):
            cleaned["rule"] = ""
            return cleaned
        if repeat == Pattern.CUSTOM and not cleaned.get("custom_rule"):
            self.add_error("custom_rule", _("Write the rule, or choose one of the patterns."))
            return cleaned
        if cleaned.get("until") and cleaned["until"] < cleaned["date"]:
            self.add_error("until", _("The series cannot end before its first meeting."))
            return cleaned
        try:
            cleaned["rule"] = build_rule(
                pattern=repeat,
                first=cleaned["date"],
                interval=cleaned.get("interval") or 1,
                until=cleaned.get("until"),
                custom=cleaned.get("custom_rule") or "",
            )
        except ValidationError as error:
            self.add_error("custom_rule" if repeat == Pattern.CUSTOM else "repeat", error)
        return cleaned

    def exdates(self) -> list[datetime]:
        return [
            datetime.combine(d, self.cleaned_data["time"]) for d in self.cleaned_data["skip_dates"]
        ]


class MeetingEditForm(_MeetingFields):
    scope = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("this", _("Only this meeting")),
            ("following", _("This and the following meetings of the series")),
        ],
        initial="this",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, in_series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(choices=[("yes", _("Yes")), ("maybe", _("Maybe")), ("no", _("No"))])


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What was discussed and learned. Markdown is supported."),
    )
    note_taker = forms.ModelChoiceField(
        label=_("Note-taker"),
        queryset=None,
        required=False,
        help_text=_("A member who may write these notes and propose insights with you."),
    )

    def __init__(self, *args, members=None, can_choose_note_taker: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if can_choose_note_taker:
            self.fields["note_taker"].queryset = members
            self.fields["note_taker"].label_from_instance = lambda u: u.display_name
        else:
            del self.fields["note_taker"]


class InsightForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Brought by"),
        queryset=None,
        help_text=_("They confirm before anything is published under their name."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("experience", _("Experience")), ("challenge", _("Challenge"))],
        initial="experience",
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    situation = forms.CharField(
        label=_("Situation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tried = forms.CharField(
        label=_("What they tried"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    happened = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    learned = forms.CharField(
        label=_("What they learned"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_wanted = forms.CharField(
        label=_("What would help"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members
        self.fields["person"].label_from_instance = lambda u: u.display_name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "experience":
            for name in ("tried", "happened", "learned"):
                if not cleaned.get(name):
                    self.add_error(
                        name,
                        _("An experience says what was tried, what happened and what was learned."),
                    )
        elif cleaned.get("kind") == "challenge" and not cleaned.get("situation"):
            self.add_error("situation", _("A challenge describes the situation."))
        return cleaned


class InsightConfirmForm(forms.Form):
    """The person's own wording before it goes out under their name."""

    title = forms.CharField(label=_("Title"), max_length=200)
    situation = forms.CharField(
        label=_("Situation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tried = forms.CharField(
        label=_("What I tried"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    happened = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    learned = forms.CharField(
        label=_("What I learned"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    help_wanted = forms.CharField(
        label=_("What would help"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        keep = (
            ("title", "situation", "tried", "happened", "learned")
            if kind == "experience"
            else ("title", "situation", "help_wanted")
        )
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ["day_before", "hour_before"]
