"""The hosts' forms. They parse what a host types (times in Tokyo, weekdays, the dates
left out); the rules (in the future, how long, how many seats …) are the actions', so the
pages and the CLI refuse the same things with the same words."""

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.directory.models import Department
from renraku.forms_common import TokyoDateTimeField

# 月〜日: Python's weekday numbers (0 = Monday), as actions.add_recurring takes them.
WEEKDAYS = [(str(n), day) for n, day in enumerate("月火水木金土日")]
# 「困っていること」: a short list to count by, and a free topic for the rest.
TOPICS = [
    ("働き方", _("How we work")),
    ("DX・システム", _("Digital tools and systems")),
    ("人材育成", _("Training and careers")),
    ("職場環境", _("Workplace and buildings")),
    ("住民サービス", _("Service to residents")),
    ("", _("Other (write the topic)")),
]
MATERIAL_TYPES = {
    # extension: the bytes such a file starts with (a renamed file is refused).
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
MATERIAL_MAX_BYTES = 10 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _kinds_field():
    return forms.ModelChoiceField(label=_("Kind"), queryset=None, empty_label=None)


class _SlotFields(forms.Form):
    minutes = forms.IntegerField(label=_("Length (minutes)"), initial=60, min_value=1)
    seats = forms.IntegerField(
        label=_("Seats (empty: the kind's usual number)"), required=False, min_value=1
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = host.kinds.all()


class SlotForm(_SlotFields):
    kind = _kinds_field()
    start = TokyoDateTimeField(label=_("Starts at (Tokyo time)"))
    online_url = forms.URLField(
        label=_("Online link (optional)"), required=False, assume_scheme="https"
    )

    field_order = ["kind", "start", "minutes", "seats", "place", "online_url"]


class RecurringForm(_SlotFields):
    kind = _kinds_field()
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    time = forms.TimeField(label=_("Time (Tokyo)"), widget=TimeInput)
    first_day = forms.DateField(label=_("First day"), widget=DateInput)
    last_day = forms.DateField(label=_("Last day"), widget=DateInput)
    exceptions = forms.CharField(
        label=_("Dates left out (one a line, e.g. 2026-05-05)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = [
        "kind", "weekdays", "time", "first_day", "last_day", "minutes", "seats", "place",
        "exceptions",
    ]  # fmt: skip

    def clean_weekdays(self):
        return sorted(int(d) for d in self.cleaned_data["weekdays"])

    def clean_exceptions(self):
        dates, bad = [], []
        for word in re.split(r"[\s,、]+", self.cleaned_data["exceptions"]):
            if not word:
                continue
            try:
                dates.append(dt.date.fromisoformat(word.replace("/", "-")))
            except ValueError:
                bad.append(word)
        if bad:
            raise forms.ValidationError(
                _("Not a date (write 2026-05-05): %(words)s"), params={"words": ", ".join(bad)}
            )
        return sorted(set(dates))

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        outside = [
            d.isoformat()
            for d in data.get("exceptions") or []
            if first and last and not first <= d <= last
        ]
        if outside:
            self.add_error(
                "exceptions",
                _("Outside the first and last day: %(dates)s") % {"dates": ", ".join(outside)},
            )
        return data


class MoveForm(forms.Form):
    start = TokyoDateTimeField(label=_("New start (Tokyo time)"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("My notes (only you see them)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ConcernForm(forms.Form):
    text = forms.CharField(
        label=_("What people struggle with (no names)"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=TOPICS, required=False)
    other_topic = forms.CharField(label=_("Other topic"), max_length=50, required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("(not said)"),
    )

    def clean(self):
        data = super().clean()
        topic = (data.get("topic") or data.get("other_topic") or "").strip()
        if not topic:
            self.add_error("other_topic", _("Choose a topic or write one."))
        data["topic"] = topic
        return data


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Guest's name"), max_length=100)
    affiliation = forms.CharField(label=_("会派 / affiliation"), max_length=100, required=False)


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("Material (PDF or image, up to 10 MB)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        ext = name[name.rfind(".") :] if "." in name else ""
        if ext not in MATERIAL_TYPES:
            raise forms.ValidationError(_("Only PDF files and images (PNG, JPEG, GIF)."))
        if upload.size > MATERIAL_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(MATERIAL_TYPES[ext]):
            raise forms.ValidationError(
                _("The file's contents are not a %(ext)s file.") % {"ext": ext[1:].upper()}
            )
        return upload


class MinutesForm(forms.Form):
    minutes_text = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ScheduleVisitForm(forms.Form):
    start = TokyoDateTimeField(label=_("Date and time (Tokyo)"))
    minutes = forms.IntegerField(label=_("Minutes"), initial=30, min_value=10, max_value=480)
    place = forms.CharField(
        label=_("Place (empty: the director's department)"), max_length=200, required=False
    )
