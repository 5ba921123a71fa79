"""What a message means for the ward, and which rules it matches. Plain functions of a
JmaReport and the settings: no database writes here."""

import datetime as dt
from dataclasses import dataclass, field
from string import Template

from django.conf import settings
from django.utils import timezone

from .parsing import INTENSITIES, NOT_RECEIVED, JmaReport, Warning

TOKYO = timezone.get_default_timezone()  # settings.TIME_ZONE: Asia/Tokyo
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
# What a warning item's status means. Only a warning newly in force, or raised, sends: 継続
# (continuing) has been told already, a lowering (特別警報から警報) is not news to act on,
# 解除 is an all-clear. The volcano's 引上げ / 引下げ are the same thing in its words.
RAISED = ("注意報から警報", "警報から特別警報", "注意報から特別警報", "引上げ")
NEW = ("発表", *RAISED)
LOWERED = ("特別警報から警報", "特別警報から注意報", "警報から注意報", "引下げ")
CONTINUING = "継続"
LIFTED = "解除"
# Messages whose items are ruled by the volcano trigger, not the warning one: a volcano
# rule is off until an administrator turns it on, so no weather rule may catch them.
VOLCANO_TYPES = ("VFVO50", "VFVO53", "VFVO54", "VFVO55")
ASH_TYPES = ("VFVO53", "VFVO54", "VFVO55")
_RANKS = (("特別警報", 3), ("警報", 2), ("注意報", 1))
_ASH_RANKS = {"多量の降灰": 3, "やや多量の降灰": 2, "少量の降灰": 1, "降灰": 1}


@dataclass
class Facts:
    ward_affected: bool = False
    max_intensity: str | None = None  # e.g. "5-"
    intensity_from: str = ""  # "ward" or "area"
    # JMA lists the ward (or its area) as 震度５弱以上未入電: read as 5弱, said as JMA says it.
    not_received: bool = False
    warnings: list[Warning] = field(default_factory=list)
    # The groups (see `grade`) this message tells the ward's state of, even where it lists
    # nothing for the ward: a 降灰予報 for 富士山 without the ward means no ash here now.
    covers: set[str] = field(default_factory=set)

    def warning_dicts(self) -> list[dict]:
        return [w.as_dict() for w in self.warnings]


def ward_codes() -> set[str]:
    """The ward's 市町村等 code as JMA writes it (1311200), also when RENRAKU_WARD_CODE was
    given as the national local-government code (131121 with its check digit, or 13112):
    the ward is matched by code, since JMA names it differently per message (東京世田谷区 in
    earthquake information, 世田谷区 in warnings, 東京都世田谷区 in volcano messages)."""
    code = settings.WARD_CODE.strip()
    return {code, code[:5] + "00"} if code.isdigit() and len(code) in (5, 6) else {code}


def facts_for_ward(message: JmaReport) -> Facts:
    facts = Facts()
    codes = ward_codes()
    city_code = next((c for c in codes if c in message.city_intensity), None)
    area = message.area_intensity.get(settings.WARD_SEISMIC_AREA)
    # At the ward level where JMA gives it, else at the area (東京都２３区): 震度速報 gives
    # areas only, and a ward does not wait for the city figures to call its staff.
    if city_code:
        facts.max_intensity, facts.intensity_from = message.city_intensity[city_code], "ward"
        facts.not_received = city_code in message.not_received
    elif area:
        facts.max_intensity, facts.intensity_from = area, "area"
        facts.not_received = settings.WARD_SEISMIC_AREA in message.not_received
    if message.type in VOLCANO_TYPES:
        facts.warnings = _volcano_for_ward(message)
    else:
        facts.warnings = _warnings_for_ward(message)
    facts.covers = {grade(w.name)[0] for w in facts.warnings}
    if message.volcano and message.type in ASH_TYPES:
        facts.covers |= {f"{message.volcano} 降灰", f"{message.volcano} 小さな噴石の落下"}
    elif message.volcano and message.type == "VFVO50":
        facts.covers.add(f"{message.volcano} 噴火警報")
    if message.format == "CAP":
        wanted = {*settings.WARD_CAP_CODES, settings.WARD_NAME}
        facts.ward_affected = any(
            code in wanted or settings.WARD_NAME in code for code in message.cap_areas
        )
    else:
        facts.ward_affected = bool(facts.max_intensity or facts.warnings)
    return facts


def _warnings_for_ward(message: JmaReport) -> list[Warning]:
    """The ward's own items; wider areas only when the message names no city at all. (A
    warning for ２３区西部 may be there because of 新宿区 alone: when a message lists
    cities, the ward's own line is the truth.)"""
    ward = ward_codes()
    lists_cities = any(len(code) == 7 for w in message.warnings for code in w.areas)
    wider = set() if lists_cities else set(settings.WARD_WEATHER_AREAS)
    tsunami = set(settings.WARD_TSUNAMI_AREAS) if message.type.startswith("VTSE") else set()
    chosen: dict[str, Warning] = {}
    for warning in message.warnings:
        codes = set(warning.areas)
        if codes & ward or codes & wider or codes & tsunami:
            chosen.setdefault(warning.name, warning)  # the same kind repeats per area type
    return list(chosen.values())


def _volcano_for_ward(message: JmaReport) -> list[Warning]:
    """The items whose 市町村 list has the ward, by its code or its name (JMA writes
    "東京都世田谷区")."""
    chosen: dict[str, Warning] = {}
    for warning in message.warnings:
        by_name = any(settings.WARD_NAME in name for name in warning.area_names)
        if ward_codes() & set(warning.areas) or by_name:
            chosen.setdefault(warning.name, warning)
    return list(chosen.values())


def grade(name: str) -> tuple[str, int]:
    """The group a warning belongs to and its rank in it, so that 大雨注意報 (1) → 大雨警報
    (2) → 大雨特別警報 (3) read as one phenomenon rising or falling: ("大雨", 2). 大津波警報
    is the tsunami's 特別警報; 火口周辺警報 is the lower 噴火警報; ash grows from 少量 to 多量.
    Information (竜巻注意情報) is a group of its own, rank 1."""
    name = name.removesuffix("解除")
    volcano, _sep, kind = name.rpartition(" ")
    prefix = f"{volcano} " if volcano else ""
    if kind in _ASH_RANKS:
        return prefix + "降灰", _ASH_RANKS[kind]
    if kind in ("噴火警報", "火口周辺警報"):
        return prefix + "噴火警報", 3 if kind == "噴火警報" else 2
    if name == "大津波警報":
        return "津波", 3
    for level, rank in _RANKS:
        if name.endswith(level):
            return name.removesuffix(level), rank
    return name, 1


def ward_state(facts: Facts) -> dict[str, tuple[int, str]]:
    """For each group the message covers: the highest rank still in force in the ward
    and its name, (0, "") when lifted or gone."""
    state = dict.fromkeys(facts.covers, (0, ""))
    for warning in facts.warnings:
        if warning.status == LIFTED:
            continue
        group, rank = grade(warning.name)
        state[group] = max(state.get(group, (0, "")), (rank, warning.name))
    return state


def event_time(message: JmaReport) -> dt.datetime | None:
    """When it happened, by the message's own clock (an earthquake's origin time, else the
    target or report time): a replay then decides as the live message did."""
    for text in (message.origin_time, message.target_time, message.report_time):
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=TOKYO)
    return None


def intensity_at_least(value: str | None, minimum: str) -> bool:
    return value in INTENSITIES and INTENSITIES.index(value) >= INTENSITIES.index(minimum)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]


def matching_warnings(rule, message: JmaReport, facts: Facts, statuses) -> list[Warning]:
    """The ward's items that `rule` (a warning or volcano rule) is about, in `statuses`."""
    volcanic = message.type in VOLCANO_TYPES
    if (rule.trigger == "volcano") != volcanic or rule.trigger not in ("warning", "volcano"):
        return []
    levels, names = _split(rule.levels), _split(rule.names)
    return [
        w
        for w in facts.warnings
        if w.status in statuses
        and (not levels or w.level in levels)
        and (not names or any(n in w.name for n in names))
    ]


def rule_matches(rule, message: JmaReport, facts: Facts) -> tuple[bool, str]:
    """Whether `rule` fires for this message, and the subject it fires on (the warning
    names, for warnings; "" for an earthquake). Warnings already told are process.py's
    business: it keeps what was sent."""
    if rule.trigger == "earthquake":
        value = facts.max_intensity
        if not rule.min_intensity or not intensity_at_least(value, rule.min_intensity):
            return False, ""
        if rule.max_intensity and intensity_at_least(value, next_intensity(rule.max_intensity)):
            return False, ""
        return True, ""
    if rule.trigger in ("warning", "volcano"):
        hits = matching_warnings(rule, message, facts, NEW)
        return bool(hits), "・".join(sorted(w.name for w in hits))
    if rule.trigger == "cap":
        return message.format == "CAP" and facts.ward_affected, message.title
    return False, ""


def intensity_name(facts: Facts) -> str:
    """震度５弱; or, where the ward's seismometer has not reported, 震度５弱以上未入電 as JMA
    says it (read as 5弱 by the rules: at least that, not yet known)."""
    if facts.not_received and facts.max_intensity == "5-":
        return NOT_RECEIVED
    return INTENSITY_NAMES.get(facts.max_intensity or "", "")


def next_intensity(intensity: str) -> str:
    index = INTENSITIES.index(intensity) + 1
    return INTENSITIES[index] if index < len(INTENSITIES) else "99"


def fill(text: str, message: JmaReport, facts: Facts, subject: str = "") -> str:
    """A rule's title or body with the message's facts in place of ${…}."""
    intensity = intensity_name(facts)
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
        return local_time(dt.datetime.fromisoformat(iso))
    except ValueError:
        return iso


def local_time(when: dt.datetime) -> str:
    when = when.astimezone(TOKYO)
    return f"{when.month}月{when.day}日 {when.hour}時{when.minute:02d}分"
