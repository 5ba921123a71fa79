"""Reading JMA disaster-prevention XML (気象庁防災情報XML) and OASIS CAP 1.2 into one plain
JmaReport, and nothing more: what the ward should do about it is decide.py's business.

Every document goes through defusedxml with DTDs forbidden, so entity expansion ("billion
laughs") and external entities are refused before anything is read. Anything that is not
well-formed, not UTF-8, or not in a namespace we know raises Rejected with the reason.
"""

import re
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

JMX = "http://xml.kishou.go.jp/jmaxml1/"
JMX_HEAD = "http://xml.kishou.go.jp/jmaxml1/informationBasis1/"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"

# Control/Title → the data type code JMA's feed puts in file names. The XML itself does not
# carry the code, so it is known from the title (or, failing that, from the file name).
TYPE_OF_TITLE = {
    "震度速報": "VXSE51",
    "震源に関する情報": "VXSE52",
    "震源・震度に関する情報": "VXSE53",
    "緊急地震速報配信テスト": "VXSE42",
    "緊急地震速報（警報）": "VXSE43",
    "気象特別警報・警報・注意報": "VPWW53",
    "気象警報・注意報（Ｈ２７）": "VPWW54",
    "記録的短時間大雨情報": "VPOA50",
    "土砂災害警戒情報": "VXWW50",
    "竜巻注意情報": "VPHW50",
    "竜巻注意情報（目撃情報付き）": "VPHW51",
    "津波警報・注意報・予報a": "VTSE41",
    "台風解析・予報情報（５日予報）（Ｈ３０）": "VPTW60",
    "噴火警報・予報": "VFVO50",
    "降灰予報（定時）": "VFVO53",
    "降灰予報（速報）": "VFVO54",
    "降灰予報（詳細）": "VFVO55",
    "噴火速報": "VFVO56",
}
# Known titles of messages we do not act on, named so the page says what they were:
# 長周期地震動に関する観測情報 carries intensities too (Body/Intensity/Observation), but it
# is not a report of 震度 in the ward and must never start anything.
OTHER_TITLES = {
    "長周期地震動に関する観測情報": "VXSE62",
    "顕著な地震の震源要素更新のお知らせ": "VXSE61",
    "地震の活動状況等に関する情報": "VXSE56",
    "地震回数に関する情報": "VXSE57",
    "地震・津波に関するお知らせ": "VZSE40",
}
# The messages whose Body/Intensity is the observed 震度 (震度速報, 震源・震度に関する情報).
INTENSITY_TYPES = ("VXSE51", "VXSE53")
# A 市町村 (or area) whose seismometer has not reported, where JMA estimates 5弱 or more.
NOT_RECEIVED = "震度５弱以上未入電"
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
TYPE_IN_NAME = re.compile(r"(?<![A-Z])([A-Z]{4}\d{2})(?![0-9])")
INTENSITIES = ["1", "2", "3", "4", "5-", "5+", "6-", "6+", "7"]
LEVELS = ("特別警報", "警報", "注意報")
MAX_BYTES = 2_000_000  # the largest real VXSE53 is under 400 KB


class Rejected(Exception):
    """The document cannot be read; the message says why, for the person reading the log."""


@dataclass
class Warning:
    """One kind of warning or information for an area: 大雨警報 / 発表."""

    name: str
    status: str
    level: str  # 特別警報, 警報, 注意報 or 情報
    areas: list[str] = field(default_factory=list)
    # Volcano messages name places as "東京都世田谷区" beside the code: kept for matching.
    area_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "level": self.level}


@dataclass
class JmaReport:
    """One JMA or CAP document, read into JMA's terms (CAP's fields mapped onto them).
    (Not the wording a notice is sent in: that is renraku.channels.message.Message.)"""

    format: str  # "JMA" or "CAP"
    type: str  # e.g. "VXSE53", "CAP", or "" when unknown
    title: str
    status: str  # 通常, 訓練, 試験 (CAP's status mapped onto these)
    info_type: str  # 発表, 訂正, 取消 (CAP's msgType mapped onto these)
    event_id: str
    serial: int | None
    report_time: str
    target_time: str = ""
    headline: str = ""
    office: str = ""
    # Earthquake: maximum intensity by area code and by city (市町村等) code.
    area_intensity: dict[str, str] = field(default_factory=dict)
    city_intensity: dict[str, str] = field(default_factory=dict)
    # Area and city codes JMA lists as 震度５弱以上未入電 (read as at least "5-" above).
    not_received: set[str] = field(default_factory=set)
    origin_time: str = ""  # when the earth shook (Body/Earthquake/OriginTime)
    hypocenter: str = ""
    magnitude: str = ""
    warnings: list[Warning] = field(default_factory=list)
    # CAP: the codes and area descriptions its info blocks name.
    cap_areas: list[str] = field(default_factory=list)
    cap_severity: str = ""
    # Volcano (VFVO5x): the volcano the message is about, e.g. 富士山.
    volcano: str = ""


def parse(data: bytes, name: str = "") -> JmaReport:
    """A JmaReport from the bytes of one document; `name` (a file name or URL) helps only to
    tell the type when the title is not one we know."""
    root = _root(data)
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace == JMX and _local(root.tag) == "Report":
        return _jma(root, name)
    if namespace == CAP and _local(root.tag) == "alert":
        return _cap(root)
    raise Rejected(f"not a JMA report or CAP 1.2 alert: root element {root.tag!r}")


def parse_feed(data: bytes) -> list[dict]:
    """The entries of an Atom feed: id, title, updated, author, url."""
    root = _root(data)
    if root.tag != f"{{{ATOM}}}feed":
        raise Rejected(f"not an Atom feed: root element {root.tag!r}")
    entries = []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        link = entry.find(f"{{{ATOM}}}link[@type='application/xml']")
        if link is None:
            link = entry.find(f"{{{ATOM}}}link")
        entries.append(
            {
                "id": _text(entry, f"{{{ATOM}}}id"),
                "title": _text(entry, f"{{{ATOM}}}title"),
                "updated": _text(entry, f"{{{ATOM}}}updated"),
                "author": _text(entry, f"{{{ATOM}}}author/{{{ATOM}}}name"),
                "url": link.get("href", "") if link is not None else "",
            }
        )
    return entries


def _root(data: bytes):
    if len(data) > MAX_BYTES:
        raise Rejected(f"document too large ({len(data):,} bytes)")
    if not data.strip():
        raise Rejected("empty document")
    declared = _DECLARED_ENCODING.match(data[:200])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise Rejected(f"encoding {declared.group(1).decode()} declared; JMA and CAP are UTF-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(f"not UTF-8 (byte {exc.start})") from None
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Rejected(
            f"refused: {type(exc).__name__} (DTDs and entities are not accepted)"
        ) from None
    except ParseError as exc:
        raise Rejected(f"not well-formed XML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise Rejected(f"unreadable XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _serial(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None  # not "²"


def _jma(root, name: str) -> JmaReport:
    control = root.find(f"{{{JMX}}}Control")
    head = root.find(f"{{{JMX_HEAD}}}Head")
    if control is None or head is None:
        raise Rejected("JMA report without Control or Head")
    title = _text(control, f"{{{JMX}}}Title")
    status = _text(control, f"{{{JMX}}}Status")
    if status not in ("通常", "訓練", "試験"):
        raise Rejected(f"unknown Control/Status {status!r}")
    info_type = _text(head, f"{{{JMX_HEAD}}}InfoType")
    if not info_type:
        raise Rejected("Head without InfoType")
    found = TYPE_IN_NAME.search(name)
    message = JmaReport(
        format="JMA",
        type=TYPE_OF_TITLE.get(title)
        or OTHER_TITLES.get(title)
        or (found.group(1) if found else ""),
        title=_text(head, f"{{{JMX_HEAD}}}Title") or title,
        status=status,
        info_type=info_type,
        event_id=_text(head, f"{{{JMX_HEAD}}}EventID"),
        serial=_serial(_text(head, f"{{{JMX_HEAD}}}Serial")),
        report_time=_text(head, f"{{{JMX_HEAD}}}ReportDateTime"),
        target_time=_text(head, f"{{{JMX_HEAD}}}TargetDateTime"),
        headline=_text(head, f"{{{JMX_HEAD}}}Headline/{{{JMX_HEAD}}}Text"),
        office=_text(control, f"{{{JMX}}}PublishingOffice"),
    )
    body = next((child for child in root if _local(child.tag) == "Body"), None)
    if body is not None:
        _earthquake(body, message)
        _warnings(body, message)
        _volcano(body, message)
    if message.type in INTENSITY_TYPES:
        _not_received_in_headline(head, message)
    return message


def _earthquake(body, message: JmaReport) -> None:
    """Body/Intensity/Observation/Pref/Area[/City]/MaxInt, of the intensity reports only
    (VXSE51, VXSE53): 長周期地震動 (VXSE62) has the same elements and is not one. A place
    whose Condition is 震度５弱以上未入電 (its seismometer has not reported; JMA estimates 5弱
    or more) reads as at least 5弱, and is remembered as such."""
    if message.type not in INTENSITY_TYPES:
        return
    for area in body.iterfind("{*}Intensity/{*}Observation/{*}Pref/{*}Area"):
        _place(area, message.area_intensity, message)
        for city in area.iterfind("{*}City"):
            _place(city, message.city_intensity, message)
    message.origin_time = _text(body, "{*}Earthquake/{*}OriginTime")
    hypocenter = body.find("{*}Earthquake/{*}Hypocenter/{*}Area")
    message.hypocenter = _text(hypocenter, "{*}Name")
    magnitude = body.find("{*}Earthquake/{*}Magnitude")
    if magnitude is not None:
        message.magnitude = magnitude.get("description") or (magnitude.text or "")


def _place(element, into: dict[str, str], message: JmaReport) -> None:
    code, value = _text(element, "{*}Code"), _text(element, "{*}MaxInt")
    if not code:
        return
    if NOT_RECEIVED in _text(element, "{*}Condition"):
        message.not_received.add(code)
        if value not in INTENSITIES or INTENSITIES.index(value) < INTENSITIES.index("5-"):
            value = "5-"
    if value in INTENSITIES:
        into[code] = value


def _not_received_in_headline(head, message: JmaReport) -> None:
    """震度速報 names the 市町村 not yet reporting only in its Headline (Information Item
    with Kind 震度５弱以上未入電): they count as at least 5弱, as in the Body."""
    path = "{*}Headline/{*}Information/{*}Item"
    for item in head.iterfind(path):
        if _text(item, "{*}Kind/{*}Name") != NOT_RECEIVED:
            continue
        for area in item.iterfind("{*}Areas/{*}Area"):
            code = _text(area, "{*}Code")
            if code:
                message.not_received.add(code)
                target = message.city_intensity if len(code) == 7 else message.area_intensity
                if target.get(code) not in INTENSITIES[4:]:
                    target[code] = "5-"


def _warnings(body, message: JmaReport) -> None:
    """Every Item of every Body/Warning (weather warnings, tornado, landslide, record rain)
    and of Body/Tsunami/Forecast, with the area codes it names."""
    items = [
        *body.iterfind("{*}Warning/{*}Item"),
        *body.iterfind("{*}Tsunami/{*}Forecast/{*}Item"),
    ]
    for item in items:
        areas = [_text(a, "{*}Code") for a in item.iterfind("{*}Area")]
        areas += [_text(a, "{*}Code") for a in item.iterfind("{*}Areas/{*}Area")]
        kinds = item.findall("{*}Kind") + item.findall("{*}Category/{*}Kind")
        for kind in kinds:
            name = _text(kind, "{*}Name")
            status = _text(kind, "{*}Status") or _text(kind, "{*}Condition") or "発表"
            if not name or name == "なし" or status == "なし" or "はなし" in status:
                continue
            if "解除" in name:  # 津波注意報解除: the lifting is in the name
                status = "解除"
            message.warnings.append(Warning(name, status, _level(name), [a for a in areas if a]))


# 噴火警報・予報 Condition → the warning statuses decide.py knows. 切替 changes the kind
# (火口周辺警報 ⇄ 噴火警報): whether up or down is told by the kind itself.
_VOLCANO_CONDITION = {"引上げ": "引上げ", "引下げ": "引下げ", "切替": "発表", "": "発表"}


def _volcano(body, message: JmaReport) -> None:
    """噴火警報・予報 (VFVO50) and 降灰予報 (VFVO53/54/55): the items of every
    Body/VolcanoInfo for 対象市町村等, each a Warning named after the volcano ("富士山 降灰",
    "箱根山 噴火警報") with the 市町村 codes and names it covers. 噴火予報 is not a warning:
    it appears when one is lowered away, and then says which (LastKind) was lifted."""
    infos = list(body.iterfind("{*}VolcanoInfo"))
    for info in infos:
        if info.get("type", "").endswith("（対象火山）"):
            message.volcano = _text(info, "{*}Item/{*}Areas/{*}Area/{*}Name")
    volcano = message.volcano
    for info in infos:
        if not info.get("type", "").endswith("（対象市町村等）"):
            continue
        for item in info.iterfind("{*}Item"):
            name = _text(item, "{*}Kind/{*}Name")
            condition = _text(item, "{*}Kind/{*}Condition")
            last = _text(item, "{*}LastKind/{*}Name")
            areas = list(item.iterfind("{*}Areas/{*}Area"))
            codes = [c for c in (_text(a, "{*}Code") for a in areas) if c]
            names = [n for n in (_text(a, "{*}Name") for a in areas) if n]
            if name == "噴火予報":
                if "警報" not in last or condition == "継続":
                    continue
                name, status = last, "解除"
            else:
                status = _VOLCANO_CONDITION.get(condition, condition)
            if not name or name == "なし":
                continue
            full = f"{volcano} {name}" if volcano else name
            message.warnings.append(Warning(full, status, _level(name), codes, names))


def _level(name: str) -> str:
    return next((level for level in LEVELS if level in name), "情報")


_CAP_STATUS = {
    "Actual": "通常",
    "Exercise": "訓練",
    "System": "試験",
    "Test": "試験",
    "Draft": "試験",
}
_CAP_TYPE = {"Alert": "発表", "Update": "訂正", "Cancel": "取消", "Ack": "試験", "Error": "試験"}


def _cap(root) -> JmaReport:
    def text(element, path):
        return _text(element, "/".join(f"{{{CAP}}}{p}" for p in path.split("/")))

    status, msg_type = text(root, "status"), text(root, "msgType")
    if status not in _CAP_STATUS or msg_type not in _CAP_TYPE:
        raise Rejected(f"CAP status {status!r} / msgType {msg_type!r} not in CAP 1.2")
    identifier = text(root, "identifier")
    if not identifier:
        raise Rejected("CAP alert without identifier")
    # An Update or Cancel names the alert it replaces: "sender,identifier,sent" triples.
    references = text(root, "references").split()
    event_id = references[0].split(",")[1] if references and "," in references[0] else identifier
    infos = root.findall(f"{{{CAP}}}info")
    info = next((i for i in infos if text(i, "language").lower().startswith("ja")), None)
    info = info if info is not None else (infos[0] if infos else None)
    areas = []
    for block in infos:
        for area in block.iterfind(f"{{{CAP}}}area"):
            areas.append(text(area, "areaDesc"))
            areas += [text(g, "value") for g in area.iterfind(f"{{{CAP}}}geocode")]
    return JmaReport(
        format="CAP",
        type="CAP",
        title=text(info, "event") if info is not None else "",
        status=_CAP_STATUS[status],
        info_type=_CAP_TYPE[msg_type],
        event_id=event_id,
        serial=None,
        report_time=text(root, "sent"),
        headline=(text(info, "headline") or text(info, "description")) if info is not None else "",
        office=text(info, "senderName") if info is not None else text(root, "sender"),
        cap_areas=[a for a in areas if a],
        cap_severity=text(info, "severity") if info is not None else "",
    )
