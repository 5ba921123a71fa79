"""What a message means for the ward, and which rules it matches. Plain functions of a
Message and the settings: no database writes here."""

import datetime as dt
from dataclasses import dataclass, field
from string import Template
from zoneinfo import ZoneInfo

from django.conf import settings

from .parsing import INTENSITIES, Message, Warning

TOKYO = ZoneInfo("Asia/Tokyo")
INTENSITY_NAMES = {
    "1": "震度１",
    "2": "震度２",
    "3": "震度３",
    "4": "震度４",
    "5-": "震度５弱",
    "5+": "震度５強",
    "6-": "震度６弱",
    "6+": "震度６強",
    "7": "震度７",
}
# A warning newly in force; 継続 (continuing) has been told already, 解除 is an all-clear.
NEW = ("発表", "特別警報から警報", "警報から特別警報", "注意報から警報", "警報から注意報")
LIFTED = "解除"


@dataclass
class Facts:
    ward_affected: bool = False
    max_intensity: str | None = None  # e.g. "5-"
    intensity_from: str = ""  # "ward" or "area"
    warnings: list[Warning] = field(default_factory=list)

    def warning_dicts(self) -> list[dict]:
        return [w.as_dict() for w in self.warnings]


def facts_for_ward(message: Message) -> Facts:
    facts = Facts()
    city = message.city_intensity.get(settings.WARD_CODE)
    area = message.area_intensity.get(settings.WARD_SEISMIC_AREA)
    # At the ward level where JMA gives it, else at the area (東京都２３区).
    if city:
        facts.max_intensity, facts.intensity_from = city, "ward"
    elif area:
        facts.max_intensity, facts.intensity_from = area, "area"
    facts.warnings = _warnings_for_ward(message)
    if message.format == "CAP":
        wanted = {*settings.WARD_CAP_CODES, settings.WARD_NAME}
        facts.ward_affected = any(
            code in wanted or settings.WARD_NAME in code for code in message.cap_areas
        )
    else:
        facts.ward_affected = bool(facts.max_intensity or facts.warnings)
    return facts


def _warnings_for_ward(message: Message) -> list[Warning]:
    """The ward's own items; wider areas only when the message names no city at all. (A
    warning for ２３区西部 may be there because of 新宿区 alone: when a message lists
    cities, the ward's own line is the truth.)"""
    ward = settings.WARD_CODE
    lists_cities = any(len(code) == 7 for w in message.warnings for code in w.areas)
    wider = set() if lists_cities else set(settings.WARD_WEATHER_AREAS)
    tsunami = set(settings.WARD_TSUNAMI_AREAS) if message.type.startswith("VTSE") else set()
    chosen: dict[str, Warning] = {}
    for warning in message.warnings:
        codes = set(warning.areas)
        if ward in codes or codes & wider or codes & tsunami:
            chosen.setdefault(warning.name, warning)  # the same kind repeats per area type
    return list(chosen.values())


def intensity_at_least(value: str | None, minimum: str) -> bool:
    return value in INTENSITIES and INTENSITIES.index(value) >= INTENSITIES.index(minimum)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]


def matching_warnings(rule, facts: Facts, statuses) -> list[Warning]:
    levels, names = _split(rule.levels), _split(rule.names)
    return [
        w
        for w in facts.warnings
        if w.status in statuses
        and (not levels or w.level in levels)
        and (not names or any(n in w.name for n in names))
    ]


def rule_matches(rule, message: Message, facts: Facts) -> tuple[bool, str]:
    """Whether `rule` fires for this message, and the subject it fires on (the warning
    names, for warnings; "" for an earthquake)."""
    if rule.trigger == "earthquake":
        value = facts.max_intensity
        if not rule.min_intensity or not intensity_at_least(value, rule.min_intensity):
            return False, ""
        if rule.max_intensity and intensity_at_least(value, _next(rule.max_intensity)):
            return False, ""
        return True, ""
    if rule.trigger == "warning":
        hits = matching_warnings(rule, facts, NEW)
        return bool(hits), "・".join(sorted(w.name for w in hits))
    if rule.trigger == "cap":
        return message.format == "CAP" and facts.ward_affected, message.title
    return False, ""


def _next(intensity: str) -> str:
    index = INTENSITIES.index(intensity) + 1
    return INTENSITIES[index] if index < len(INTENSITIES) else "99"


def fill(text: str, message: Message, facts: Facts, subject: str = "") -> str:
    """A rule's title or body with the message's facts in place of ${…}."""
    intensity = INTENSITY_NAMES.get(facts.max_intensity or "", "")
    values = {
        "time": _local_time(message.origin_time or message.target_time or message.report_time),
        "kind": message.title,
        "intensity": intensity,
        "warnings": subject or "・".join(w.name for w in facts.warnings),
        "area": settings.WARD_NAME
        if facts.intensity_from != "area"
        else "東京都２３区（" + settings.WARD_NAME + "）",
        "headline": message.headline,
        "source": f"{message.office or '気象庁'}「{message.title}」",
    }
    return Template(text).safe_substitute(values)


def _local_time(iso: str) -> str:
    """2011-03-11T14:46:00+09:00 → 3月11日 14時46分, in Tokyo time whatever the offset."""
    try:
        when = dt.datetime.fromisoformat(iso).astimezone(TOKYO)
    except ValueError:
        return iso
    return f"{when.month}月{when.day}日 {when.hour}時{when.minute:02d}分"
