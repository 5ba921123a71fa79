"""Who an alert or a post goes to, written as data so that it can be saved with it and
shown. One module for both, so "総務部" means the same people wherever it is chosen.

An audience is a dict of selectors, any of which puts a person in (a union):
    {"all": true}
    {"domains": ["KS"], "departments": ["SOM"], "sections": ["SOM-01"], "sites": ["S001"],
     "ranks": [3], "titles": ["CIO"], "staff": ["100001"], "groups": ["CSIRT"]}
    {"levels": [3]}  (those deployment level 3 calls: a mobilisation, 参集)
Only active staff are reached.
"""

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renraku.parsing import ascii_int

from .models import Department, DeploymentLevel, Domain, Rank, Section, Site, Staff, Title
from .queries import called_at

# Saved groups (災害対策本部員, CSIRT …) are broadcast's model, looked up by name so that
# this layer does not import the one above it.
Group = "broadcast.Group"

# selector → (model, field the codes are matched on, the Staff lookup that selects people)
_SELECTORS = {
    "domains": (Domain, "code", "department__domain__code__in"),
    "departments": (Department, "code", "department__code__in"),
    "sections": (Section, "code", "section__code__in"),
    "sites": (Site, "code", "site__code__in"),
    "titles": (Title, "code", "titles__code__in"),
    "staff": (Staff, "employee_number", "employee_number__in"),
    "groups": (Group, "name", "alert_groups__name__in"),
}
KEYS = frozenset({"all", "ranks", "levels", *_SELECTORS})


def _model(model):
    return apps.get_model(model) if isinstance(model, str) else model


class AudienceError(ValueError):
    pass


def validate(spec: dict) -> dict:
    """The spec with its lists cleaned, or AudienceError naming every unknown code."""
    if not isinstance(spec, dict) or not spec:
        raise AudienceError(_("Choose who the alert goes to."))
    unknown_keys = set(spec) - KEYS
    if unknown_keys:
        raise AudienceError(_("Unknown audience selectors: %s") % ", ".join(sorted(unknown_keys)))
    if not isinstance(spec.get("all", False), bool):  # "false" (or 1) is not a yes or no
        raise AudienceError(_("“all” is true or false."))
    if spec.get("all"):
        return {"all": True}
    clean, problems = {}, []
    for key, value in spec.items():
        if not isinstance(value, list | tuple):
            problems.append(f"{key}: " + _("a list of codes"))
    for key, (model, field, _lookup) in _SELECTORS.items():
        model = _model(model)
        if not isinstance(spec.get(key) or [], list | tuple):
            continue
        codes = sorted({str(c).strip() for c in spec.get(key) or []} - {""})
        if not codes:
            continue
        known = set(model.objects.filter(**{f"{field}__in": codes}).values_list(field, flat=True))
        problems += [f"{key}: {code}" for code in codes if code not in known]
        clean[key] = codes
    raw_ranks = spec.get("ranks") or []
    if not isinstance(raw_ranks, list | tuple):
        raw_ranks = []
    ranks = sorted({n for n in map(ascii_int, raw_ranks) if n is not None})
    problems += [f"ranks: {r}" for r in raw_ranks if ascii_int(r) is None]
    problems += [f"ranks: {r}" for r in ranks if r not in Rank.values]
    if ranks:
        clean["ranks"] = ranks
    raw_levels = spec.get("levels") or []
    if not isinstance(raw_levels, list | tuple):
        raw_levels = []
    levels = sorted({n for n in map(ascii_int, raw_levels) if n is not None})
    known_levels = set(DeploymentLevel.objects.values_list("number", flat=True))
    problems += [f"levels: {n}" for n in raw_levels if ascii_int(n) is None]
    problems += [f"levels: {n}" for n in levels if n not in known_levels]
    if levels:
        clean["levels"] = levels
    if problems:
        raise AudienceError(_("Unknown in the audience: %s") % ", ".join(problems))
    if not clean:
        raise AudienceError(_("Choose who the alert goes to."))
    return clean


def resolve(spec: dict):
    """The active staff an (already validated) audience reaches, each once."""
    people = Staff.objects.active()
    if spec.get("all"):
        return people
    match = Q()
    for key, (_model, _field, lookup) in _SELECTORS.items():
        if spec.get(key):
            match |= Q(**{lookup: spec[key]})
    if spec.get("ranks"):
        match |= Q(position__rank__in=spec["ranks"])
    if spec.get("levels"):
        # A level calls those of the levels below it too: the highest one named says it.
        match |= Q(pk__in=called_at(max(spec["levels"])).values("pk"))
    # A person can match several selectors (and several titles): select their ids once.
    return people.filter(pk__in=Staff.objects.filter(match).values("pk"))


def parse_cli(text: str) -> dict:
    """`all`, or `departments=SOM,KIK;sites=S001;ranks=3` as the command line takes it."""
    text = text.strip()
    if text == "all":
        return {"all": True}
    spec = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, _sep, values = part.partition("=")
        spec[key.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return spec


_LABELS = {
    "domains": gettext_lazy("Domains"),
    "departments": gettext_lazy("Departments"),
    "sections": gettext_lazy("Sections"),
    "sites": gettext_lazy("Sites"),
    "titles": gettext_lazy("Titles"),
    "staff": gettext_lazy("People"),
    "groups": gettext_lazy("Groups"),
    "ranks": gettext_lazy("Ranks"),
    "levels": gettext_lazy("Deployment level"),
}


def describe(spec: dict) -> str:
    """The audience in words a sender reads before sending: 「部局: 総務部、危機管理部 /
    勤務地: 本庁舎」, names rather than codes."""
    if spec.get("all"):
        return _("All staff")
    parts = []
    for key, (model, field, _lookup) in _SELECTORS.items():
        model = _model(model)
        codes = spec.get(key) or []
        if not codes:
            continue
        if model is Staff:
            rows = model.objects.filter(employee_number__in=codes).values_list(
                "employee_number", "family_name", "given_name"
            )
            names = {number: f"{family} {given}" for number, family, given in rows}
        else:
            names = dict(model.objects.filter(**{f"{field}__in": codes}).values_list(field, "name"))
        parts.append(f"{_LABELS[key]}: " + "、".join(names.get(c, c) for c in codes))
    if spec.get("ranks"):
        labels = [Rank(r).label if r in Rank.values else str(r) for r in spec["ranks"]]
        parts.append(f"{_LABELS['ranks']}: " + "、".join(map(str, labels)))
    if spec.get("levels"):
        # A mobilisation's audience reads as its level: 「第2次非常配備」.
        top = max(spec["levels"])
        name = DeploymentLevel.objects.filter(number=top).values_list("name", flat=True).first()
        parts.append(name or f"{_LABELS['levels']}: {top}")
    return " / ".join(parts)
