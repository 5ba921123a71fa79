from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.channels import registry
from renraku.directory.models import Department, Domain, Rank, Site, Title

from .models import Category, Channel, Group, ReplyForm, Severity


def _codes(queryset, label):
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, required=False, to_field_name="code"
    )


class ComposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reply_form = forms.ChoiceField(
        label=_("Reply"), choices=ReplyForm.choices, initial=ReplyForm.SAFETY
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels, in order"), widget=forms.CheckboxSelectMultiple
    )
    everyone = forms.BooleanField(label=_("All staff"), required=False)
    domains = _codes(Domain.objects.all(), _("Domains"))
    departments = _codes(Department.objects.all(), _("Departments"))
    sites = _codes(Site.objects.all(), _("Sites"))
    titles = _codes(Title.objects.all(), _("Titles"))
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=Group.objects.all(), required=False, to_field_name="name"
    )
    ranks = forms.TypedMultipleChoiceField(
        label=_("Ranks"), choices=Rank.choices, coerce=int, required=False
    )
    is_drill = forms.BooleanField(label=_("This is a drill (訓練)"), required=False)
    # Carried from the template; checked by broadcast.escalation.check_steps on sending.
    escalation = forms.JSONField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (kind, Channel(kind).label) for kind in registry.available()
        ]

    def audience(self) -> dict:
        data = self.cleaned_data
        if data.get("everyone"):
            return {"all": True}
        spec = {
            key: [obj.code for obj in data.get(key) or []]
            for key in ("domains", "departments", "sites", "titles")
        }
        spec["groups"] = [g.name for g in data.get("groups") or []]
        spec["ranks"] = data.get("ranks") or []
        return {k: v for k, v in spec.items() if v}
