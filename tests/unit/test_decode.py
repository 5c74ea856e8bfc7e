"""Decoding untrusted bytes: every failure is a typed error carrying the start of what arrived."""

from __future__ import annotations

import codecs
from typing import Any

import msgspec
import pytest

from orgo_async._decode import SHOWN_BYTES, decode_event, decode_response, error_body
from orgo_async.errors import APIResponseValidationError, EventDecodeError
from orgo_async.models import BuildEvent, BuildInfo

_BUILD: msgspec.json.Decoder[BuildInfo] = msgspec.json.Decoder(BuildInfo)
_ANY: msgspec.json.Decoder[dict[str, Any]] = msgspec.json.Decoder(dict[str, Any])
_EVENT: msgspec.json.Decoder[BuildEvent] = msgspec.json.Decoder(BuildEvent)
# Deep enough to exhaust any recursion limit, however shallow the caller's stack.
DEEP = 100_000
VALID_INFO = b'{"ref": "default/x@1.0.0", "status": "ready", "digest": "sha256:ab"}'

BROKEN_BODIES = [
    pytest.param(b"[" * DEEP + b"]" * DEEP, id="deep-arrays"),
    pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, id="deep-objects"),
    pytest.param(b'{"ref": ' + b"[" * DEEP + b"]" * DEEP + b"}", id="deep-in-a-field"),
    pytest.param(b'{"ref": "\xff\xfe", "status": "ready"}', id="invalid-utf8"),
    pytest.param(VALID_INFO.decode().encode("utf-16"), id="utf16-with-bom"),
    pytest.param(VALID_INFO.decode().encode("utf-32"), id="utf32-with-bom"),
    pytest.param(
        b'{"ref": "x", "status": "ready", "build_time_ms": 1e999}', id="number-out-of-range"
    ),
    pytest.param(b"<html>oops</html>", id="html"),
    pytest.param(b"", id="empty"),
    pytest.param(b"null", id="null"),
]


@pytest.mark.parametrize("body", BROKEN_BODIES)
def test_a_broken_response_body_is_a_validation_error(body: bytes) -> None:
    """Whatever is wrong with a 2xx body, decoding raises APIResponseValidationError."""
    with pytest.raises(APIResponseValidationError) as caught:
        decode_response(_BUILD, body, method="GET", url="http://x/api", status=200)
    assert caught.value.body == body[:SHOWN_BYTES]
    assert caught.value.status_code == 200


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    """RFC 8259 lets a parser ignore a UTF-8 BOM; a body that starts with one decodes."""
    info = decode_response(
        _BUILD, codecs.BOM_UTF8 + VALID_INFO, method="GET", url="http://x/api", status=200
    )
    assert info.status == "ready"


def test_deep_nesting_names_its_cause() -> None:
    """The error says the body was nested too deeply, and chains the RecursionError."""
    body = b'{"a": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    with pytest.raises(APIResponseValidationError, match="nested too deeply") as caught:
        decode_response(_ANY, body, method="GET", url="http://x/api", status=200)
    assert isinstance(caught.value.__cause__, RecursionError)


BROKEN_FRAMES = [
    pytest.param("[" * DEEP + "]" * DEEP, id="deep"),
    pytest.param('{"ts": "2026-01-01T00:00:00Z", "line": "\ud800"}', id="lone-surrogate"),
    pytest.param('{"ts": "yesterday", "level": "info", "phase": "boot", "line": "x"}', id="bad-ts"),
    pytest.param("x" * (SHOWN_BYTES * 4), id="long-garbage"),
]


@pytest.mark.parametrize("data", BROKEN_FRAMES)
def test_a_broken_frame_is_an_event_decode_error(data: str) -> None:
    """Whatever is wrong with a frame, decoding raises EventDecodeError with its start."""
    with pytest.raises(EventDecodeError, match="frame 7") as caught:
        decode_event(_EVENT, data, frame_id="7", url="http://x/api")
    assert caught.value.raw == data[:SHOWN_BYTES]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b'{"error": "nope"}', {"error": "nope"}, id="json"),
        pytest.param(codecs.BOM_UTF8 + b'{"error": "nope"}', {"error": "nope"}, id="json-bom"),
        pytest.param(b"Bad Gateway", "Bad Gateway", id="text"),
        pytest.param("Überlastet".encode("utf-16"), "Überlastet", id="utf16-text"),
        pytest.param(b"caf\xe9", "caf\ufffd", id="latin1-as-utf8"),
        pytest.param(b"[" * DEEP + b"]" * DEEP, "[" * SHOWN_BYTES, id="deep-kept-as-text"),
    ],
)
def test_an_error_body_is_json_or_text_and_never_raises(body: bytes, expected: object) -> None:
    """An error body is its JSON value when it parses, else its start as text."""
    assert error_body(body) == expected


def test_an_error_body_nested_deeper_than_any_envelope_is_kept_as_text() -> None:
    """JSON that decodes but nests 200 deep stays text, so printing the error cannot recurse."""
    body = b'{"error": ' + b"[" * 200 + b"]" * 200 + b"}"
    assert error_body(body) == body.decode()
    shallow = b'{"error": "x", "errors": [{"field": "a", "message": "b"}]}'
    assert error_body(shallow) == {"error": "x", "errors": [{"field": "a", "message": "b"}]}
