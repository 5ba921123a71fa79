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


def earthquake(
    intensity="5-",
    *,
    event_id="20261129140000",
    serial=1,
    status="通常",
    info_type="発表",
    city=True,
    report_time="2026-11-29T14:03:00+09:00",
) -> bytes:
    """震源・震度に関する情報 (VXSE53) with 世田谷区 (or, city=False, only 東京都２３区)."""
    city_xml = (
        f"<City><Name>東京世田谷区</Name><Code>1311200</Code><MaxInt>{intensity}</MaxInt></City>"
        if city
        else ""
    )
    body = (
        "<Earthquake><OriginTime>2026-11-29T14:00:00+09:00</OriginTime><Hypocenter><Area><Name>東京都２３区</Name><Code>350</Code></Area>"
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
    name="大雨警報", state="発表", *, report_time="2026-11-29T14:00:00+09:00", code="1311200"
) -> bytes:
    """気象特別警報・警報・注意報 (VPWW53) for one 市町村等 area."""
    body = (
        '<Warning type="気象警報・注意報（市町村等）"><Item><Kind>'
        f"<Name>{name}</Name><Code>03</Code><Status>{state}</Status></Kind>"
        f"<Area><Name>世田谷区</Name><Code>{code}</Code></Area></Item></Warning>"
    )
    return _report(
        "気象特別警報・警報・注意報",
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


def _report(title, head_title, body_ns, body, **fields) -> bytes:
    return _REPORT.format(
        title=title, head_title=head_title, body_ns=body_ns, body=body, **fields
    ).encode()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
