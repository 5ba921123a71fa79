"""The bulletin's forms. They parse; the rules (title on one line, who may post to whom,
times in the future …) are the actions', so the CLI and the pages refuse the same things
with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.directory.models import Department, Domain, Site
from renraku.forms_common import TokyoDateTimeField
from renraku.notices.models import Choice

from . import access
from .models import Category, FeedbackDigest, Series


def _codes(queryset, label):
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, required=False, to_field_name="code"
    )


class ComposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 12, "aria-describedby": "body-help"}),
        strip=False,
    )
    series = forms.TypedChoiceField(label=_("Series"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    posted_as = forms.ModelChoiceField(
        label=_("Posted as"),
        queryset=Department.objects.none(),  # set per user: access.postable_departments
        required=False,
        empty_label=_("(yourself)"),
    )
    everyone = forms.BooleanField(label=_("All staff"), required=False)
    domains = _codes(Domain.objects.all(), _("Domains"))
    departments = _codes(Department.objects.all(), _("Departments"))
    sites = _codes(Site.objects.all(), _("Sites"))
    requires_ack = forms.BooleanField(
        label=_("Ask readers to confirm they have read it (確認)"), required=False
    )
    visible_until = TokyoDateTimeField(
        label=_("Shown on the home page until (Tokyo time, optional)"), required=False
    )
    publish_at = TokyoDateTimeField(label=_("Publish at (Tokyo time, to schedule)"), required=False)

    AUDIENCE_FIELDS = ("everyone", "domains", "departments", "sites")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only where this person may post: a choice they cannot use is not offered.
        self.fields["posted_as"].queryset = access.postable_departments(user)
        self.series_allowed = {
            s.pk: s for s in Series.objects.all() if access.can_post_in(user, series=s)
        }
        self.categories_allowed = {
            c.pk: c for c in Category.objects.all() if access.can_post_in(user, category=c)
        }
        self.fields["series"].choices = [("", _("(not in a series)"))] + [
            (pk, s.name) for pk, s in self.series_allowed.items()
        ]
        self.fields["category"].choices = [("", _("(no category)"))] + [
            (pk, c.name) for pk, c in self.categories_allowed.items()
        ]

    def clean_series(self):
        pk = self.cleaned_data.get("series")
        if pk is not None and pk not in self.series_allowed:
            raise forms.ValidationError(_("You may not post in this series."))
        return self.series_allowed.get(pk) if pk is not None else None

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        if pk is not None and pk not in self.categories_allowed:
            raise forms.ValidationError(_("You may not post in this category."))
        return self.categories_allowed.get(pk) if pk is not None else None

    def audience(self) -> dict:
        data = self.cleaned_data
        if data.get("everyone"):
            return {"all": True}
        spec = {
            key: [obj.code for obj in data.get(key) or []]
            for key in ("domains", "departments", "sites")
        }
        return {k: v for k, v in spec.items() if v}

    def draft_fields(self) -> dict:
        """The keyword arguments of actions.save_draft."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "audience": self.audience(),
            "series": data.get("series"),
            "category": data.get("category"),
            "posted_as": data.get("posted_as"),
            "requires_ack": data.get("requires_ack", False),
            "visible_until": data.get("visible_until"),
        }

    def main_fields(self):
        return [self[n] for n in ("title", "body")]

    def where_fields(self):
        return [self[n] for n in ("series", "category", "posted_as")]

    def audience_fields(self):
        return [self[n] for n in ("domains", "departments", "sites")]


def initial_of(post) -> dict:
    spec = post.audience or {}
    return {
        "title": post.title,
        "body": post.body,
        "series": post.series_id,
        "category": post.category_id,
        "posted_as": post.posted_as_id,
        "everyone": bool(spec.get("all")),
        "domains": spec.get("domains", []),
        "departments": spec.get("departments", []),
        "sites": spec.get("sites", []),
        "requires_ack": post.requires_ack,
        "visible_until": post.visible_until,
        "publish_at": post.publish_at,
    }


class EditForm(forms.Form):
    """A published post: its words only (who it went to is history)."""

    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 12}), strip=False)
    material = forms.BooleanField(
        label=_("Important change (ask those who confirmed to confirm again)"), required=False
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment (shown with your name)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedbackForm(forms.Form):
    body = forms.CharField(
        label=_("Your opinion or impressions (only the author receives this)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for hiding"), max_length=200)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words to search for"), required=False, max_length=100)


class PreferencesForm(forms.Form):
    """One radio group per topic (series, category, everything else), quiet hours, and
    for authors how they hear of feedback."""

    quiet_start = forms.TimeField(
        label=_("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, topics, author: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic_names = {}
        for topic, kind, name in topics:
            field = forms.ChoiceField(
                label=name or _("Other notices"),
                choices=Choice.choices,
                initial=Choice.PUSH,
                widget=forms.RadioSelect,
            )
            self.fields[f"topic:{topic}"] = field
            self.topic_names[topic] = kind
        if author:
            self.fields["feedback"] = forms.ChoiceField(
                label=_("Tell me of new feedback on my posts by"),
                choices=FeedbackDigest.choices,
                widget=forms.RadioSelect,
            )

    def topic_fields(self):
        return [self[n] for n in self.fields if n.startswith("topic:")]

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both the start and the end of quiet hours."))
        if start is not None and start == end:
            raise forms.ValidationError(_("Quiet hours must start and end at different times."))
        return data

    def choices(self) -> dict[str, str]:
        return {
            name.removeprefix("topic:"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("topic:")
        }

    def quiet(self):
        start, end = self.cleaned_data.get("quiet_start"), self.cleaned_data.get("quiet_end")
        return (start, end) if start is not None else None
