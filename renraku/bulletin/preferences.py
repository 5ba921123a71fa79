"""How each person wants to hear of the bulletin's posts (per series, per category, and
everything else: topic "bulletin"), their quiet hours, and, for authors, how they hear of
new feedback. Saved here rather than in the view so that the API can share it; these are
a person's own settings, not audited."""

import datetime as dt

from django.db import transaction

from renraku.notices.models import Choice, Preference, QuietHours

from .models import AuthorSettings, Category, Series

OTHER = "bulletin"


def topics() -> list[tuple[str, str, str]]:
    """(topic, kind, name) for every series, every category, then the rest."""
    rows = [(f"series:{s.pk}", "series", s.name) for s in Series.objects.all()]
    rows += [(f"category:{c.pk}", "category", c.name) for c in Category.objects.all()]
    rows.append((OTHER, "other", ""))
    return rows


def choices_of(staff) -> dict[str, str]:
    """The choices this person has made; a topic not here is told by push (then e-mail)."""
    if staff is None:
        return {}
    return dict(Preference.objects.filter(staff=staff).values_list("topic", "choice"))


def save(staff, choices: dict[str, str], quiet: tuple[dt.time, dt.time] | None) -> None:
    """Store every topic's choice (push, the default, is stored too, so the page shows what
    was chosen) and the quiet hours (None: none)."""
    valid = {topic for topic, _kind, _name in topics()}
    with transaction.atomic():
        for topic, choice in choices.items():
            if topic in valid and choice in Choice.values:
                Preference.objects.update_or_create(
                    staff=staff, topic=topic, defaults={"choice": choice}
                )
        if quiet is None:
            QuietHours.objects.filter(staff=staff).delete()
        else:
            QuietHours.objects.update_or_create(
                staff=staff, defaults={"start": quiet[0], "end": quiet[1]}
            )


def feedback_choice(user) -> str | None:
    row = AuthorSettings.objects.filter(user=user).first()
    return row.feedback if row else None


def save_feedback_choice(user, choice: str) -> None:
    AuthorSettings.objects.update_or_create(user=user, defaults={"feedback": choice})
