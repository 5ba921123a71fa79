"""Forms of the staff pages: booking (alone or for named colleagues), the colleague
search, a director proposing another time. The hosts' forms are in host_forms.py."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.directory.models import Staff

from .actions import MAX_GROUP

# Employee numbers as people paste them: commas (half- or full-width), 、, spaces, lines.
_SEPARATORS = re.compile(r"[,，、\s]+")


class BookForm(forms.Form):
    members = forms.CharField(
        label=_("Colleagues coming with you (employee numbers, separated by commas)"),
        required=False,
        max_length=1000,
        help_text=_("Leave empty to come alone. Everyone named takes a seat."),
    )
    topic = forms.CharField(
        label=_("「話したいこと」 (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    def __init__(self, *args, booker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.booker = booker

    @staticmethod
    def carrying_picks(data):
        """`data` with the colleagues ticked in the search results moved into the list of
        numbers: a page shown again (a new search, a refusal) keeps everyone chosen."""
        data = data.copy()
        picks = [n.strip() for n in data.getlist("pick") if n.strip()]
        if picks:
            numbers = [n for n in _SEPARATORS.split(data.get("members", "")) if n]
            data["members"] = ", ".join(dict.fromkeys(numbers + picks))
            data.setlist("pick", [])
        return data

    def clean_members(self):
        """The named colleagues as Staff: every number must be a current member of staff
        (one unknown number refuses the whole group rather than booking fewer people)."""
        text = self.cleaned_data["members"]
        numbers = [n for n in _SEPARATORS.split(text) if n]
        # Candidates ticked in the search results come as separate values.
        numbers += [n.strip() for n in self.data.getlist("pick") if n.strip()]
        numbers = list(dict.fromkeys(numbers))
        if self.booker is not None:
            numbers = [n for n in numbers if n != self.booker.employee_number]
        if len(numbers) >= MAX_GROUP:
            raise forms.ValidationError(_("A group is at most %(n)d people.") % {"n": MAX_GROUP})
        if not numbers:  # alone: nobody to look up
            return []
        found = {
            s.employee_number: s for s in Staff.objects.active().filter(employee_number__in=numbers)
        }
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("No current member of staff has these employee numbers: %(numbers)s")
                % {"numbers": ", ".join(unknown)}
            )
        return [found[n] for n in numbers]


class ColleagueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a colleague (name, kana or employee number)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ProposeForm(forms.Form):
    start = forms.DateTimeField(
        label=_("Another time that suits you"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
