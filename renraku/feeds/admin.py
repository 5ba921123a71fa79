"""Administrators edit the rules; the messages themselves are a record, read on the page."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.translation import gettext as _

from renraku.broadcast.escalation import check_steps
from renraku.directory import audience
from renraku.directory.models import DeploymentLevel

from .models import Rule, Trigger


class RuleForm(ModelForm):
    class Meta:
        model = Rule
        fields = [
            "name",
            "enabled",
            "order",
            "trigger",
            "callup_level",
            "callup_auto",
            "min_intensity",
            "max_intensity",
            "levels",
            "names",
            "all_clear",
            "title",
            "body",
            "category",
            "severity",
            "reply_form",
            "audience",
            "channels",
            "escalation",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A call-up rule has neither: clean() asks for them when the rule sends an alert.
        self.fields["audience"].required = self.fields["channels"].required = False

    def clean(self):
        data = super().clean()
        problems = []
        if data.get("trigger") == Trigger.EARTHQUAKE and not data.get("min_intensity"):
            problems.append(_("An earthquake rule needs a lowest seismic intensity."))
        level = data.get("callup_level")
        if level is not None and not DeploymentLevel.objects.filter(number=level).exists():
            problems.append(_("There is no deployment level %(level)s.") % {"level": level})
        # An alert of its own needs its wording, kind and audience; a call-up has the
        # call-up's (those the level calls, on push, e-mail and SMS).
        wording = ("body", "category", "severity", "reply_form", "channels")
        if level is None and not all(data.get(name) for name in wording):
            problems.append(
                _(
                    "Body, category, severity, reply form and channels are needed unless the "
                    "rule calls staff up."
                )
            )
        if level is None:
            try:
                audience.validate(data.get("audience") or {})
            except audience.AudienceError as exc:
                problems.append(str(exc))
        problems += check_steps(data.get("escalation") or [])
        if problems:
            raise ValidationError(problems)
        return data


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = [
        "name",
        "enabled",
        "order",
        "trigger",
        "callup_level",
        "min_intensity",
        "levels",
        "names",
    ]
    list_editable = ["enabled", "order"]
    list_filter = ["trigger", "enabled"]
