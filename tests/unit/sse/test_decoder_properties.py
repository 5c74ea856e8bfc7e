"""Properties of SSEDecoder over arbitrary bytes and arbitrary chunkings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.sse.helpers import decode_chunks, split_at

# Pieces that make the interesting cases likely: field names, line ends split anywhere,
# BOMs, NULs, multi-byte and invalid UTF-8; plus arbitrary bytes between them.
_PIECES = st.sampled_from(
    [
        b"data",
        b"id",
        b"event",
        b"retry",
        b":",
        b": ",
        b" ",
        b"\n",
        b"\r",
        b"\r\n",
        b"\n\n",
        b"\xef\xbb\xbf",
        b"\xe2\x82\xac",
        b"\xe2\x82",
        b"\xff",
        b"\x00",
        b"1",
        b"42",
        b"x",
    ]
)
# Streams shaped like real ones: field, value and line end per line, line ends mixed.
_LINES = st.lists(
    st.tuples(
        st.sampled_from([b"data: ", b"data:", b"data", b"id: ", b"event: ", b"retry: ", b":", b""]),
        st.one_of(_PIECES, st.binary(max_size=3), st.just(b"")),
        st.sampled_from([b"\n", b"\r", b"\r\n", b"\n\n", b"\r\n\r\n", b""]),
    ).map(b"".join),
    max_size=25,
).map(b"".join)
_STREAMS = st.one_of(
    _LINES,
    st.lists(st.one_of(_PIECES, st.binary(max_size=4)), max_size=60).map(b"".join),
    st.binary(max_size=300),
)
_CUTS = st.lists(st.integers(min_value=0, max_value=400), max_size=20)


@settings(max_examples=400, deadline=None)
@given(stream=_STREAMS, cuts=_CUTS)
def test_any_chunking_gives_the_events_of_the_whole(stream: bytes, cuts: list[int]) -> None:
    """Feeding the stream in any pieces gives exactly the events of feeding it whole."""
    assert decode_chunks(split_at(stream, cuts)) == decode_chunks([stream])


@settings(max_examples=150, deadline=None)
@given(stream=_LINES)
def test_every_single_cut_gives_the_events_of_the_whole(stream: bytes) -> None:
    """Cutting the stream in two at any offset gives exactly the events of the whole."""
    whole = decode_chunks([stream])
    for cut in range(1, len(stream)):
        assert decode_chunks([stream[:cut], stream[cut:]]) == whole, cut


@settings(max_examples=400, deadline=None)
@given(stream=_STREAMS, cuts=_CUTS, limit=st.integers(min_value=1, max_value=64))
def test_size_limit_does_not_depend_on_chunking(stream: bytes, cuts: list[int], limit: int) -> None:
    """Whether and where max_event_size trips is the same for every chunking."""
    whole = decode_chunks([stream], max_event_size=limit)
    assert decode_chunks(split_at(stream, cuts), max_event_size=limit) == whole


@settings(max_examples=300, deadline=None)
@given(stream=st.binary(max_size=2000), cuts=_CUTS, limit=st.integers(min_value=1, max_value=512))
def test_random_bytes_raise_nothing_but_event_too_large(
    stream: bytes, cuts: list[int], limit: int
) -> None:
    """Random bytes only ever give events or EventTooLargeError (decode_chunks lets others out)."""
    events, _ = decode_chunks(split_at(stream, cuts), max_event_size=limit)
    assert all(isinstance(event.data, str) for event in events)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=20)
    ),
    cuts=_CUTS,
)
def test_data_round_trips(lines: list[str], cuts: list[int]) -> None:
    """Any text sent as data lines comes back exactly, newlines restored."""
    stream = "".join(f"data: {line}\n" for line in lines).encode() + b"\n"
    events, failed = decode_chunks(split_at(stream, cuts))
    expected = ["\n".join(lines)] if lines else []
    assert ([event.data for event in events], failed) == (expected, False)
