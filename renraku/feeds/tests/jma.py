"""Building JMA messages for the cases the real samples lack, following the format of
気象庁防災情報XML (Control / Head / Body, the namespaces and element names of the real
samples next to this file)."""

from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"

_REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Report xmlns="http://xml.kishou.go.jp/jmaxml1/" xmlns:jmx="http://xml.kishou.go.jp/jmaxml1/">
<Control><Title>{title}</Title><DateTime>2026-11-29T05:00:00Z</DateTime>
<Status>{status}</Status><EditorialOffice>気象庁本庁</EditorialOffice>
<PublishingOffice>気象庁</PublishingOffice></Control>
<Head xmlns="http://xml.kishou.go.jp/jmaxml1/informationBasis1/">
<Title>{head_title}</Title><ReportDateTime>{report_time}</ReportDateTime>
<TargetDateTime>2026-11-29T14:00:00+09:00</TargetDateTime><EventID>{event_id}</EventID>
<InfoType>{info_type}</InfoType><Serial>{serial}</Serial><InfoKind>{title}</InfoKind>
<InfoKindVersion>1.0_0</InfoKindVersion><Headline><Text>{headline}</Text></Headline></Head>
<Body xmlns="{body_ns}">{body}</Body>
</Report>"""
SEIS = "http://xml.kishou.go.jp/jmaxml1/body/seismology1/"
METE = "http://xml.kishou.go.jp/jmaxml1/body/meteorology1/"
VOLC = "http://xml.kishou.go.jp/jmaxml1/body/volcanology1/"
SETAGAYA = ("東京都世田谷区", "1311200")


def earthquake(
    intensity="5-",
    *,
    event_id="20261129140000",
    serial=1,
    status="通常",
    info_type="発表",
    city=True,
    report_time="2026-11-29T14:03:00+09:00",
    origin_time="2026-11-29T14:00:00+09:00",
) -> bytes:
    """震源・震度に関する情報 (VXSE53) with 世田谷区 (or, city=False, only 東京都２３区)."""
    city_xml = (
        f"<City><Name>東京世田谷区</Name><Code>1311200</Code><MaxInt>{intensity}</MaxInt></City>"
        if city
        else ""
    )
    body = (
        f"<Earthquake><OriginTime>{origin_time}</OriginTime><Hypocenter><Area><Name>東京都２３区</Name><Code>350</Code></Area>"
        '</Hypocenter><jmx_eb:Magnitude xmlns:jmx_eb="http://xml.kishou.go.jp/jmaxml1/'
        'elementBasis1/" type="Mj" description="Ｍ６．０">6.0</jmx_eb:Magnitude></Earthquake>'
        f"<Intensity><Observation><MaxInt>{intensity}</MaxInt><Pref><Name>東京都</Name>"
        f"<Code>13</Code><MaxInt>{intensity}</MaxInt><Area><Name>東京都２３区</Name>"
        f"<Code>350</Code><MaxInt>{intensity}</MaxInt>{city_xml}</Area></Pref>"
        "</Observation></Intensity>"
    )
    return _report(
        "震源・震度に関する情報",
        "震源・震度情報",
        SEIS,
        body,
        event_id=event_id,
        serial=serial,
        status=status,
        info_type=info_type,
        report_time=report_time,
        headline="２９日１４時００分ころ、地震がありました。",
    )


def warning(
    name="大雨警報",
    state="発表",
    *,
    report_time="2026-11-29T14:00:00+09:00",
    code="1311200",
    also=(),
    title="気象特別警報・警報・注意報",
) -> bytes:
    """気象特別警報・警報・注意報 (VPWW53; or, with its title, VPWW54) for one 市町村等
    area: `name` in `state`, and the (name, state) pairs of `also` on the same line."""
    kinds = "".join(
        f"<Kind><Name>{n}</Name><Code>03</Code><Status>{st}</Status></Kind>"
        for n, st in [(name, state), *also]
    )
    body = (
        f'<Warning type="気象警報・注意報（市町村等）"><Item>{kinds}'
        f"<Area><Name>世田谷区</Name><Code>{code}</Code></Area></Item></Warning>"
    )
    return _report(
        title,
        "東京都気象警報・注意報",
        METE,
        body,
        event_id="",
        serial="",
        status="通常",
        info_type="発表",
        report_time=report_time,
        headline=f"東京２３区西部に{name}を{state}します。",
    )


def ash(
    areas=(SETAGAYA,),
    *,
    volcano=("富士山", "314"),
    kind="降灰",
    title="降灰予報（定時）",
    serial=1,
    info_type="発表",
    report_time="2026-11-29T14:00:00+09:00",
) -> bytes:
    """降灰予報 (VFVO53 定時; VFVO54/55 by title, with 少量の降灰 … 多量の降灰 as `kind`):
    the volcano, then the 市町村 where `kind` is expected, in Body/VolcanoInfo as JMA lists
    them (and again per period in AshInfos)."""
    places = "".join(f"<Area><Name>{n}</Name><Code>{c}</Code></Area>" for n, c in areas)
    item = (
        f"<Item><Kind><Name>{kind}</Name><Code>70</Code></Kind>"
        f'<Areas codeType="気象・地震・火山情報／市町村等">{places}</Areas></Item>'
    )
    body = (
        f'<VolcanoInfo type="降灰予報（対象火山）"><Item><Kind><Name>{title}</Name>'
        f'<Code>06</Code></Kind><Areas codeType="火山名"><Area><Name>{volcano[0]}</Name>'
        f"<Code>{volcano[1]}</Code></Area></Areas></Item></VolcanoInfo>"
        f'<VolcanoInfo type="降灰予報（対象市町村等）">{item if areas else ""}</VolcanoInfo>'
        f'<AshInfos type="{title}"><AshInfo type="予報　３時間後">'
        f"<StartTime>{report_time}</StartTime><EndTime>{report_time}</EndTime>"
        f"{item if areas else ''}</AshInfo></AshInfos>"
    )
    return _report(
        title,
        f"火山名　{volcano[0]}　{title}",
        VOLC,
        body,
        event_id=volcano[1],
        serial=serial,
        status="通常",
        info_type=info_type,
        report_time=report_time,
        headline=f"{volcano[0]}で噴火が発生した場合には、降灰が予想されます。",
    )


def eruption_warning(
    name="噴火警報",
    condition="発表",
    *,
    areas=(SETAGAYA,),
    last="噴火予報",
    volcano=("富士山", "314"),
    report_time="2026-11-29T14:00:00+09:00",
) -> bytes:
    """噴火警報・予報 (VFVO50) for the 市町村 of `areas`."""
    places = "".join(f"<Area><Name>{n}</Name><Code>{c}</Code></Area>" for n, c in areas)
    body = (
        '<VolcanoInfo type="噴火警報・予報（対象火山）"><Item><Kind><Name>レベル４（高齢者等避難）'
        "</Name><Code>14</Code><Condition>引上げ</Condition></Kind>"
        f'<Areas codeType="火山名"><Area><Name>{volcano[0]}</Name><Code>{volcano[1]}</Code>'
        "</Area></Areas></Item></VolcanoInfo>"
        '<VolcanoInfo type="噴火警報・予報（対象市町村等）"><Item><Kind>'
        f"<Name>{name}</Name><Code>01</Code><Condition>{condition}</Condition></Kind>"
        f"<LastKind><Name>{last}</Name><Code>05</Code><Condition /></LastKind>"
        f'<Areas codeType="気象・地震・火山情報／市町村等">{places}</Areas></Item></VolcanoInfo>'
    )
    return _report(
        "噴火警報・予報",
        f"火山名　{volcano[0]}　{name}",
        VOLC,
        body,
        event_id=volcano[1],
        serial="",
        status="通常",
        info_type="発表",
        report_time=report_time,
        headline=f"＜{volcano[0]}に{name}を{condition}＞",
    )


def _report(title, head_title, body_ns, body, **fields) -> bytes:
    return _REPORT.format(
        title=title, head_title=head_title, body_ns=body_ns, body=body, **fields
    ).encode()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
