from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.directory.models import Department, Site
from renraku.forms_common import TokyoDateTimeField


class AudienceForm(forms.Form):
    """Who it goes to: everyone, or departments and sites (the audience of an alert)."""

    title = forms.CharField(label=_("Title (optional)"), max_length=100, required=False)
    everyone = forms.BooleanField(label=_("All staff"), required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"),
        queryset=Department.objects.all(),
        required=False,
        to_field_name="code",
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=Site.objects.all(), required=False, to_field_name="code"
    )

    def audience(self) -> dict:
        if self.cleaned_data.get("everyone"):
            return {"all": True}
        spec = {}
        for key in ("departments", "sites"):
            if codes := [x.code for x in self.cleaned_data.get(key) or []]:
                spec[key] = codes
        return spec


class DrillForm(AudienceForm):
    start = TokyoDateTimeField(label=_("Not before"))
    end = TokyoDateTimeField(label=_("Not after"))
