"""Reading JMA XML and CAP: every real sample, the ward's facts, and hostile input refused."""

import pytest
from django.test import override_settings

from renraku.feeds.decide import facts_for_ward
from renraku.feeds.parsing import Rejected, parse, parse_feed

from .jma import SAMPLES, earthquake, sample

DOCUMENTS = sorted(p for p in SAMPLES.glob("*.xml") if not p.name.startswith("feed_"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_real_sample_is_read(path):
    message = parse(path.read_bytes(), path.name)
    assert message.type and message.status in ("通常", "訓練", "試験")
    assert message.info_type in ("発表", "訂正", "取消")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("32-39_11_05_120615_VXSE53.xml", ("VXSE53", "通常", "発表", "20110311144640", 1)),
        ("32-35_06_06_100915_VXSE53.xml", ("VXSE53", "通常", "取消", "20080614084350", 3)),
        ("VXSE51_torikeshi_jmasample2022.xml", ("VXSE51", "通常", "取消", "20220509152315", None)),
        ("VXSE42_eew-haishin-test_shiken.xml", ("VXSE42", "試験", "発表", "20090811050000", 1)),
        ("VPTW60_typhoon_teisei.xml", ("VPTW60", "通常", "訂正", "TC2001", 3)),
        ("32-39_13_02_191025_VTSE41.xml", ("VTSE41", "訓練", "発表", "20181204180000", None)),
    ],
)
def test_control_and_head(name, expected):
    m = parse(sample(name), name)
    assert (m.type, m.status, m.info_type, m.event_id, m.serial) == expected


def facts(name):
    return facts_for_ward(parse(sample(name), name))


def test_intensity_is_read_for_the_ward_where_jma_gives_it():
    f = facts("32-39_11_05_120615_VXSE53.xml")  # 2011-03-11: 世田谷区 5弱, the area 5強
    assert (f.max_intensity, f.intensity_from, f.ward_affected) == ("5-", "ward", True)


def test_intensity_falls_back_to_the_area_when_the_ward_is_not_listed():
    f = facts("32-35_07_06_100915_VXSE53.xml")  # 東京都２３区 震度4, 世田谷区 not listed
    assert (f.max_intensity, f.intensity_from) == ("4", "area")
    assert facts("VXSE51_noto20240101_tokyo23_shindo3_real.xml").max_intensity == "3"


def test_an_earthquake_far_away_does_not_concern_the_ward():
    f = facts("VXSE53_nagano20260427_M3_no-tokyo_real.xml")
    assert (f.max_intensity, f.ward_affected) == (None, False)


def test_warnings_are_read_on_the_wards_own_line():
    assert [w.as_dict() for w in facts("VPWW53_tokyo_setagaya_bofu-keiho.xml").warnings] == [
        {"name": "暴風警報", "status": "発表", "level": "警報"}
    ]
    continuing = facts("VPWW53_tokyo_setagaya_chuiho-keizoku.xml").warnings
    assert {(w.name, w.status) for w in continuing} == {
        ("大雨注意報", "継続"),
        ("雷注意報", "継続"),
        ("洪水注意報", "継続"),
    }


def test_a_special_warning_for_the_wider_area_is_not_the_wards():
    # ２３区西部 has 大雨特別警報 because of 新宿区; 世田谷区's own line says none.
    f = facts("VPWW53_tokyo_23ku-seibu-tokubetsu_setagaya-nashi.xml")
    assert (f.warnings, f.ward_affected) == ([], False)


def test_tornado_and_tsunami_for_the_ward():
    assert [w.name for w in facts("VPHW50_tatsumaki_tokyo_setagaya.xml").warnings] == [
        "竜巻注意情報"
    ]
    tsunami = facts("32-39_13_02_191025_VTSE41.xml").warnings  # 東京湾内湾 (312)
    assert [(w.name, w.level) for w in tsunami] == [("津波注意報", "注意報")]
    lifted = facts("32-39_13_07_191025_VTSE41.xml").warnings
    assert [(w.name, w.status) for w in lifted] == [("津波注意報解除", "解除")]


def test_cap_maps_onto_jma_terms():
    update = parse(sample("CAP12_oasis-spec_A3_earthquake-update.xml"))
    assert (update.type, update.status, update.info_type) == ("CAP", "通常", "訂正")
    assert update.event_id == "TRI13970876.1"  # the alert it updates, from <references>
    cancel = parse(sample("CAP12_ipaws_cancel.xml"))
    assert cancel.info_type == "取消"


def test_a_cap_alert_naming_the_ward_concerns_it():
    data = sample("CAP12_oasis-spec_A4_amber-multilingual.xml").replace(
        b"Los Angeles County", "東京都世田谷区".encode()
    )
    assert facts_for_ward(parse(data)).ward_affected
    with override_settings(WARD_NAME="目黒区", WARD_CAP_CODES=[]):
        assert not facts_for_ward(parse(data)).ward_affected


def test_feeds_list_their_entries():
    entries = parse_feed(sample("feed_eqvol_20260427_real.xml"))
    assert len(entries) == 31
    assert entries[0]["url"].endswith("_VFVO51_400000.xml")
    assert {e["title"] for e in entries} >= {"震度速報", "震源・震度に関する情報"}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Report xmlns="http://xml.kishou.go.jp/jmaxml1/">&lol3;</Report>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Report xmlns="http://xml.kishou.go.jp/jmaxml1/">&xxe;</Report>"""


@pytest.mark.parametrize(
    "data, reason",
    [
        (BILLION_LAUGHS, "DTD"),
        (EXTERNAL, "DTD"),
        (earthquake().decode()[:400].encode(), "not well-formed"),
        (earthquake()[:700], "not UTF-8"),  # cut inside a character
        (earthquake().replace(b"http://xml.kishou.go.jp/jmaxml1/", b"urn:other", 1), "root"),
        (
            earthquake().replace(b'encoding="UTF-8"', b'encoding="Shift_JIS"'),
            "Shift_JIS declared",
        ),
        (earthquake().decode().encode("shift_jis").replace(b"UTF-8", b"utf-8"), "not UTF-8"),
        (b"", "empty"),
        (earthquake().replace("通常".encode(), "本番".encode()), "Status"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "truncated",
        "cut-character",
        "namespace",
        "declared",
        "bytes",
        "empty",
        "status",
    ],
)
def test_bad_documents_are_rejected_with_the_reason(data, reason):
    with pytest.raises(Rejected, match=reason):
        parse(data)
