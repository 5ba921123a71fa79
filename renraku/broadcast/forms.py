from django import forms
from django.utils.translation import gettext_lazy as _

from renraku.channels import registry
from renraku.directory.models import Department, Domain, Rank, Site, Title

from . import escalation
from .models import AlertCategory, ChannelChoice, Group, ReplyForm, Severity

# Rows for escalation steps on the page: more than three has never been asked for.
STEP_ROWS = 3


def _codes(queryset, label):
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, required=False, to_field_name="code"
    )


class ComposeForm(forms.Form):
    """The compose page. Channels are ordered by a position select per channel (a person
    on a phone picks "1st, 2nd …" more easily than they drag); escalation steps are rows
    of minutes and what to do."""

    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(label=_("AlertCategory"), choices=AlertCategory.choices)
    # Information by default: a drill or a notice must not go out as an emergency because
    # nobody changed the first option.
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.INFORMATION
    )
    reply_form = forms.ChoiceField(
        label=_("Reply"), choices=ReplyForm.choices, initial=ReplyForm.SAFETY
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = registry.available()
        positions = [("", _("not used"))] + [
            (str(n), _("%(n)d.") % {"n": n}) for n in range(1, len(kinds) + 1)
        ]
        for kind in kinds:
            self.fields[f"order_{kind}"] = forms.TypedChoiceField(
                label=_("%(channel)s: order") % {"channel": ChannelChoice(kind).label},
                choices=positions,
                coerce=int,
                empty_value=None,
                required=False,
            )
        actions = [("", _("nothing"))] + [
            (
                f"channel:{kind}",
                _("%(channel)s to the unanswered") % {"channel": ChannelChoice(kind).label},
            )
            for kind in kinds
        ]
        actions.append(("supervisor", _("the list of the unanswered to their supervisor")))
        for row in range(1, STEP_ROWS + 1):
            self.fields[f"step{row}_minutes"] = forms.IntegerField(
                label=_("Step %(n)d: after (minutes)") % {"n": row},
                min_value=1,
                max_value=1440,
                required=False,
            )
            self.fields[f"step{row}_action"] = forms.ChoiceField(
                label=_("Step %(n)d: then") % {"n": row}, choices=actions, required=False
            )

    def channel_fields(self):
        return [self[name] for name in self.fields if name.startswith("order_")]

    def step_rows(self):
        return [
            (self[f"step{row}_minutes"], self[f"step{row}_action"])
            for row in range(1, STEP_ROWS + 1)
        ]

    def field_names_shown_apart(self):
        return {name for name in self.fields if name.startswith(("order_", "step"))}

    def clean(self):
        data = super().clean()
        order = {
            name.removeprefix("order_"): data.get(name)
            for name in self.fields
            if name.startswith("order_") and data.get(name) is not None
        }
        if not order:
            self.add_error(None, _("Choose at least one channel."))
        elif len(set(order.values())) != len(order):
            self.add_error(None, _("Give each channel its own place in the order."))
        data["channels"] = sorted(order, key=order.get)
        steps = []
        for row in range(1, STEP_ROWS + 1):
            minutes, action = data.get(f"step{row}_minutes"), data.get(f"step{row}_action")
            if not minutes and not action:
                continue
            if not minutes or not action:
                self.add_error(
                    None, _("Escalation step %(n)d needs both minutes and an action.") % {"n": row}
                )
                continue
            step = {"after_minutes": minutes, "action": "supervisor"}
            if action.startswith("channel:"):
                step = {**step, "action": "channel", "channel": action.removeprefix("channel:")}
            steps.append(step)
        data["escalation"] = sorted(steps, key=lambda s: s["after_minutes"])
        return data

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


def initial_from(template) -> dict:
    """A template's text, audience, channel order and escalation as the form's initial."""
    if template is None:
        return {}
    spec = template.audience
    initial = {
        "title": template.title,
        "body": template.body,
        "category": template.category,
        "severity": template.severity,
        "reply_form": template.reply_form,
        "everyone": bool(spec.get("all")),
        "groups": spec.get("groups", []),
        "departments": spec.get("departments", []),
        "is_drill": template.category == AlertCategory.DRILL,
    }
    initial |= {f"order_{kind}": n for n, kind in enumerate(template.channels, start=1)}
    steps = [s for s in template.escalation or [] if not escalation.check_steps([s])]
    for row, step in enumerate(steps[:STEP_ROWS], start=1):
        initial[f"step{row}_minutes"] = step["after_minutes"]
        initial[f"step{row}_action"] = (
            "supervisor" if step["action"] == "supervisor" else f"channel:{step['channel']}"
        )
    return initial


def blank_initial() -> dict:
    """A new alert with no template: push first, then e-mail."""
    kinds = registry.available()
    return {f"order_{kind}": n for n, kind in enumerate(kinds[:2], start=1)}
