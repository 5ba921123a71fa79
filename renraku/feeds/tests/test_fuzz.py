"""Whatever arrives, the parser answers with a JmaReport or Rejected: never another error
that would stop the poller."""

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renraku.feeds.decide import facts_for_ward
from renraku.feeds.parsing import JmaReport, Rejected, parse, parse_feed

from .jma import ash, earthquake, eruption_warning, sample, warning

SEEDS = [
    earthquake(),
    warning(),
    sample("VXSE51_torikeshi_jmasample2022.xml"),
    sample("CAP12_oasis-spec_A3_earthquake-update.xml"),
    sample("VPOA50_kirokuteki_osaka.xml"),
    sample("VFVO50_hakone_level5.xml"),
    ash(),
    eruption_warning("噴火予報", "引下げ", last="噴火警報"),
]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes) -> None:
    try:
        message = parse(data)
    except Rejected:
        return
    assert isinstance(message, JmaReport)
    facts_for_ward(message)  # deciding about what was read must not fail either


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    read(data)


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_real_messages_cut_or_with_bytes_changed(seed, data):
    cut = data.draw(st.integers(0, len(seed)))
    changes = data.draw(
        st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), max_size=5)
    )
    mutated = bytearray(seed[:cut])  # cut may be the whole length: then only bytes change
    for at, value in changes:
        if at < len(mutated):
            mutated[at] = value
    read(bytes(mutated))


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.text(max_size=50),
    st.sampled_from(["Status", "InfoType", "Serial", "EventID", "MaxInt", "Code", "Name"]),
)
def test_any_text_in_any_field(seed, text, tag):
    start, end = f"<{tag}>".encode(), f"</{tag}>".encode()
    if start not in seed:
        return
    before, _sep, rest = seed.partition(start)
    _old, _sep, after = rest.partition(end)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "replace")
    read(before + start + escaped + end + after)


@FUZZ
@given(st.binary(max_size=500))
def test_feeds_too(data):
    with contextlib.suppress(Rejected):
        parse_feed(sample("feed_eqvol_20260427_real.xml")[:200] + data)
