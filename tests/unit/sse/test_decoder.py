"""SSEDecoder follows the WHATWG event stream interpretation, whatever the chunking."""

from __future__ import annotations

import random

import pytest

from orgo_async.errors import ConfigurationError, EventTooLargeError
from orgo_async.sse import ServerSentEvent, SSEDecoder
from tests.unit.sse.helpers import bytewise, decode_chunks, split_at

E = ServerSentEvent

RULES = [
    # The standard's own examples (HTML section 9.2.5).
    pytest.param(
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        [E(data="YHOO\n+2\n10")],
        id="spec-stock-ticker",
    ),
    pytest.param(
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n\n",
        [E(data="first event", id="1"), E(data="second event"), E(data=" third event")],
        id="spec-ids-and-spaces",
    ),
    pytest.param(
        b"data\n\ndata\ndata\n\ndata:",
        [E(data=""), E(data="\n")],
        id="spec-empty-data-and-unfinished-tail",
    ),
    pytest.param(
        b"data:test\n\ndata: test\n\n",
        [E(data="test"), E(data="test")],
        id="spec-one-space-is-optional",
    ),
    # Line ends.
    pytest.param(
        b"data: a\r\n\r\ndata: b\r\rdata: c\n\n", [E(data=x) for x in "abc"], id="crlf-cr-lf"
    ),
    pytest.param(b"data: a\rdata: b\r\r", [E(data="a\nb")], id="lone-cr-ends-lines"),
    pytest.param(b"data: a\n\r\n", [E(data="a")], id="lf-then-crlf-blank-line"),
    # Byte order mark.
    pytest.param(b"\xef\xbb\xbfdata: a\n\n", [E(data="a")], id="bom-stripped-at-start"),
    pytest.param(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n", [], id="only-one-bom-stripped"),
    pytest.param(
        b"data: a\n\n\xef\xbb\xbfdata: b\n\n", [E(data="a")], id="bom-later-is-part-of-field-name"
    ),
    pytest.param(b"\xef\xbbdata: a\n\n", [], id="half-bom-is-not-stripped"),
    # Fields.
    pytest.param(b":comment\n: another\ndata: a\n:x\n\n", [E(data="a")], id="comments-ignored"),
    pytest.param(b"data\n\n", [E(data="")], id="field-without-colon"),
    pytest.param(b"data:   a  \n\n", [E(data="  a  ")], id="only-one-leading-space-removed"),
    pytest.param(b"data: a:b: c\n\n", [E(data="a:b: c")], id="colons-in-value-kept"),
    pytest.param(b"data : a\nData: b\n\n", [], id="field-names-exact"),
    pytest.param(b"foo: bar\ndata: a\nbaz\n\n", [E(data="a")], id="unknown-fields-ignored"),
    pytest.param(b"data: a\ndata:\ndata: b\n\n", [E(data="a\n\nb")], id="data-lines-joined"),
    # Event types.
    pytest.param(b"event: add\ndata: a\n\n", [E(event="add", data="a")], id="event-type"),
    pytest.param(b"event:\ndata: a\n\n", [E(data="a")], id="empty-event-type-is-message"),
    pytest.param(
        b"event: add\ndata: a\n\ndata: b\n\n",
        [E(event="add", data="a"), E(data="b")],
        id="event-type-reset-after-dispatch",
    ),
    pytest.param(b"event: add\n\ndata: b\n\n", [E(data="b")], id="event-type-reset-without-data"),
    # Empty data buffers.
    pytest.param(b"event: add\nid: 3\nretry: 5\n\n", [], id="no-data-no-event"),
    pytest.param(b"\n\n\n", [], id="blank-lines-only"),
    # Ids.
    pytest.param(
        b"id: 1\ndata: a\n\ndata: b\n\n", [E(data="a", id="1"), E(data="b", id="1")], id="id-kept"
    ),
    pytest.param(
        b"id: 1\ndata: a\n\nid\ndata: b\n\n", [E(data="a", id="1"), E(data="b")], id="id-reset"
    ),
    pytest.param(
        b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n",
        [E(data="a", id="1"), E(data="b", id="1")],
        id="id-with-nul-ignored",
    ),
    pytest.param(b"id: 7\n\ndata: a\n\n", [E(data="a", id="7")], id="id-without-data-counts"),
    pytest.param(b"id:  2\ndata: a\n\n", [E(data="a", id=" 2")], id="id-keeps-extra-space"),
    # Retry.
    pytest.param(b"retry: 1500\ndata: a\n\n", [E(data="a", retry=1500)], id="retry"),
    pytest.param(b"retry: 0015\ndata: a\n\n", [E(data="a", retry=15)], id="retry-leading-zeros"),
    pytest.param(b"retry: 15a\ndata: a\n\n", [E(data="a")], id="retry-not-digits"),
    pytest.param(b"retry: -1\ndata: a\n\n", [E(data="a")], id="retry-negative"),
    pytest.param(b"retry:\ndata: a\n\n", [E(data="a")], id="retry-empty"),
    pytest.param(b"retry:  15\ndata: a\n\n", [E(data="a")], id="retry-two-spaces"),
    pytest.param("retry: ١٢\ndata: a\n\n".encode(), [E(data="a")], id="retry-non-ascii-digits"),
    pytest.param(
        b"retry: 1\ndata: a\n\ndata: b\n\n",
        [E(data="a", retry=1), E(data="b")],
        id="retry-belongs-to-its-event",
    ),
    pytest.param(
        b"retry: " + b"9" * 5000 + b"\ndata: a\n\n",
        [E(data="a", retry=10**18 - 1)],
        id="retry-huge-is-clamped",
    ),
    # End of stream.
    pytest.param(b"data: a\n\ndata: b\n", [E(data="a")], id="unfinished-event-discarded"),
    pytest.param(b"data: a", [], id="unfinished-line-discarded"),
    # UTF-8.
    pytest.param("data: né €\n\n".encode(), [E(data="né €")], id="utf8"),
    pytest.param(b"data: a\xffb\n\n", [E(data="a\ufffdb")], id="invalid-utf8-replaced"),
    pytest.param(
        b"data: \xe2\x82\ndata: x\n\n", [E(data="\ufffd\nx")], id="truncated-sequence-replaced"
    ),
    pytest.param(
        b"event: \xff\nid: \xfe\ndata: a\n\n",
        [E(event="\ufffd", id="\ufffd", data="a")],
        id="invalid-utf8-in-every-field",
    ),
]


def _chunkings(data: bytes) -> list[list[bytes]]:
    rng = random.Random(data)
    random_cuts = [split_at(data, rng.sample(range(len(data) + 1), k=min(5, len(data) + 1)))]
    return [[data], bytewise(data), [data[:1], data[1:]], *random_cuts]


@pytest.mark.parametrize(("stream", "expected"), RULES)
def test_rules(stream: bytes, expected: list[ServerSentEvent]) -> None:
    """Each rule of the standard gives the same events however the stream is chunked."""
    for chunks in _chunkings(stream):
        assert decode_chunks(chunks) == (expected, False), chunks


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([b"data: a\r", b"\ndata: b\r\n\r", b"\n"], id="crlf-split-after-cr"),
        pytest.param([b"data: a\r", b"\r"], id="cr-then-cr-is-blank-line"),
        pytest.param([b"data: a\r", b"", b"\n\r\n"], id="empty-chunk-between-cr-and-lf"),
    ],
)
def test_crlf_across_chunks_is_one_line_end(chunks: list[bytes]) -> None:
    """A CR closing one chunk and an LF opening the next make one line end, not two."""
    events, _ = decode_chunks(chunks)
    assert [event.data for event in events] in (["a"], ["a\nb"])
    assert decode_chunks([b"".join(chunks)]) == (events, False)


def test_multibyte_character_split_across_chunks() -> None:
    """A UTF-8 character cut between chunks decodes whole."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: \xe2\x82") == []
    assert decoder.feed(b"\xac\n\n") == [E(data="€")]


def test_bom_split_across_chunks() -> None:
    """A BOM arriving one byte at a time is still stripped."""
    assert decode_chunks([b"\xef", b"\xbb", b"\xbf", b"data: a\n\n"]) == ([E(data="a")], False)


def test_last_event_id_and_retry_state() -> None:
    """last_event_id changes at blank lines; retry when its event ends, or at close."""
    decoder = SSEDecoder(last_event_id="5")
    assert decoder.feed(b"data: a\n\n") == [E(data="a", id="5")]
    decoder.feed(b"id: 6\nretry: 250\n")
    assert (decoder.last_event_id, decoder.retry) == ("5", None)
    decoder.feed(b"\n")
    assert (decoder.last_event_id, decoder.retry) == ("6", 250)
    decoder.feed(b"id: 7\nretry: 900\ndata: cut")
    assert decoder.has_unfinished_event
    decoder.close()
    assert (decoder.last_event_id, decoder.retry) == ("6", 900)


@pytest.mark.parametrize(
    ("tail", "unfinished"),
    [
        pytest.param(b"", False, id="nothing"),
        pytest.param(b": keep-alive\n", False, id="comment"),
        pytest.param(b":keep-al", False, id="partial-comment"),
        pytest.param(b"id: 3\n", True, id="field"),
        pytest.param(b"da", True, id="partial-field"),
    ],
)
def test_has_unfinished_event(tail: bytes, unfinished: bool) -> None:
    """Only fields, complete or cut, after the last blank line make an unfinished event."""
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n" + tail)
    assert decoder.has_unfinished_event is unfinished


def test_events_keep_their_order_within_one_chunk() -> None:
    """Many events in one chunk come out in stream order."""
    stream = b"".join(b"id: %d\ndata: %d\n\n" % (i, i) for i in range(1000))
    events = SSEDecoder().feed(stream)
    assert [(e.id, e.data) for e in events] == [(str(i), str(i)) for i in range(1000)]


class TestMaxEventSize:
    """max_event_size bounds memory: it raises EventTooLargeError and loses no earlier event."""

    def test_event_at_the_limit_passes(self) -> None:
        """An event whose lines total exactly the limit is accepted."""
        stream = b"data: " + b"x" * 3 + b"\n\n"  # 10 bytes including the line end
        assert decode_chunks([stream], max_event_size=10) == ([E(data="xxx")], False)
        assert decode_chunks([stream], max_event_size=9) == ([], True)

    @pytest.mark.parametrize("blank", [b"\n", b"\n\n", b"\r\n\r", b"\n\n\n"])
    def test_blank_lines_between_events_do_not_count(self, blank: bytes) -> None:
        """Extra blank lines before an event are not part of it, however the bytes arrive."""
        stream = b"data: a\n\n" + blank + b"data: xxx\n\n"  # the second event is 10 bytes
        for chunks in ([stream], bytewise(stream), [stream[:9], stream[9:]]):
            assert decode_chunks(chunks, max_event_size=10) == ([E(data="a"), E(data="xxx")], False)

    def test_limit_is_per_event(self) -> None:
        """Many small events never add up to an error."""
        stream = b"data: abc\n\n" * 10_000
        events, failed = decode_chunks(
            split_at(stream, range(0, len(stream), 77)), max_event_size=16
        )
        assert (len(events), failed) == (10_000, False)

    def test_endless_line_trips_before_buffering_it_all(self) -> None:
        """A line without an end raises as soon as the buffered part passes the limit."""
        decoder = SSEDecoder(max_event_size=1000)
        for _ in range(10):
            decoder.feed(b"x" * 100)
        with pytest.raises(EventTooLargeError) as caught:
            decoder.feed(b"x")
        assert caught.value.limit == 1000

    def test_endless_comment_lines_trip(self) -> None:
        """Comments between blank lines count too: a flood of them cannot pile up silently."""
        with pytest.raises(EventTooLargeError):
            SSEDecoder(max_event_size=100).feed(b": keep-alive\n" * 20)

    @pytest.mark.parametrize("blank", [b"\n", b"\n\n", b"\r\n\r\n"])
    def test_earlier_events_returned_then_error(self, blank: bytes) -> None:
        """Events completed before the oversized one are returned; the next call raises."""
        decoder = SSEDecoder(max_event_size=20)
        stream = b"data: a\n\ndata: b\n\n" + blank + b"data: " + b"y" * 50 + b"\n\ndata: c\n\n"
        assert decoder.feed(stream) == [E(data="a"), E(data="b")]
        with pytest.raises(EventTooLargeError):
            decoder.feed(b"data: c\n\n")
        with pytest.raises(EventTooLargeError):
            decoder.close()

    def test_limit_must_be_positive(self) -> None:
        """A limit below one byte is refused at construction."""
        with pytest.raises(ConfigurationError, match="max_event_size"):
            SSEDecoder(max_event_size=0)


def test_feed_after_close_is_refused() -> None:
    """A closed decoder refuses more bytes instead of starting a new stream silently."""
    decoder = SSEDecoder()
    decoder.close()
    with pytest.raises(RuntimeError, match="after close"):
        decoder.feed(b"data: a\n\n")


def test_accepts_bytearray_and_memoryview() -> None:
    """Any bytes-like chunk is accepted."""
    decoder = SSEDecoder()
    assert decoder.feed(bytearray(b"data: a\n")) == []
    assert decoder.feed(memoryview(b"\n")) == [E(data="a")]
