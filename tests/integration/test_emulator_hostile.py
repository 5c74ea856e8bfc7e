"""Hostile requests to every route: a 4xx in the JSON error envelope, and the emulator serves on.

Each case runs against a fresh emulator with one published, built version; afterwards a
plain request must still succeed and the statistics must count no 5xx. Requests that are
not valid HTTP (a header line past aiohttp's limit, raw bytes in the URL) never reach the
emulator: aiohttp's own parser answers them 400 in plain text, and that is checked too.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest
import yarl

from orgo_async.emulator.app import ROUTES
from orgo_async.emulator.middleware import Access
from orgo_async.testing import EMULATOR_API_KEY
from tests.integration.test_emulator_support import api, doc

V = "/templates/default/alpha/1.0.0"
KEY = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}
DEEP = b"[" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000
NOT_UTF8 = b'{"ref": "\xff\xfe"}'
HUGE = b"#" * 2_000_000
NOT_GZIP = {"Content-Encoding": "gzip"}
LONG = "x" * 7_000


@dataclass(frozen=True)
class Case:
    """One hostile request and the status it must get."""

    method: str
    path: str
    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _body_cases(method: str, path: str, *, declared: dict[str, str], parsed: int) -> list[Any]:
    """Hostile bodies for a route that reads one; ``parsed`` is the status of bad content."""
    name = f"{method} {path}"
    return [
        pytest.param(Case(method, path, parsed, DEEP, declared), id=f"{name} deep array"),
        pytest.param(Case(method, path, parsed, DEEP_OBJECT, declared), id=f"{name} deep object"),
        pytest.param(Case(method, path, parsed, NOT_UTF8, declared), id=f"{name} not UTF-8"),
        pytest.param(Case(method, path, 413, HUGE, declared), id=f"{name} 2 MB"),
        pytest.param(
            Case(method, path, 413, gzip.compress(b" " * 20_000_000), {**declared, **NOT_GZIP}),
            id=f"{name} gzip bomb",
        ),
        pytest.param(
            Case(method, path, 400, b"not gzip at all", {**declared, **NOT_GZIP}),
            id=f"{name} broken gzip",
        ),
    ]


CASES = [
    # Bodies: publish and validate read YAML or JSON, the others JSON only.
    *_body_cases("POST", "/templates", declared=JSON, parsed=400),
    *_body_cases("POST", "/templates/run", declared=JSON, parsed=400),
    *_body_cases("PUT", "/_emulator/faults", declared=JSON, parsed=400),
    *_body_cases("POST", "/_emulator/inject", declared=JSON, parsed=400),
    *_body_cases("POST", "/_emulator/streams/cut", declared=JSON, parsed=400),
    pytest.param(Case("POST", "/templates", 400, b"", YAML), id="publish empty"),
    pytest.param(Case("POST", "/templates", 422, b'"/etc/passwd"', JSON), id="publish a string"),
    pytest.param(Case("POST", "/templates/validate", 413, HUGE, YAML), id="validate 2 MB"),
    pytest.param(
        Case("POST", "/templates/validate", 400, b"not gzip", {**YAML, **NOT_GZIP}),
        id="validate broken gzip",
    ),
    pytest.param(Case("POST", "/templates/validate", 400, b" ", YAML), id="validate empty"),
    pytest.param(
        Case("POST", "/templates/run", 415, b'{"ref": "system/openclaw@1.0.0"}', {}),
        id="run without a content type",
    ),
    pytest.param(
        Case("POST", "/templates/run", 415, b"ref=x", {"Content-Type": "text/plain"}),
        id="run as text",
    ),
    pytest.param(Case("POST", "/templates/run", 400, b'{"ref": 5}', JSON), id="run ref a number"),
    pytest.param(
        Case("POST", "/templates/run", 400, b'{"ref": "' + LONG.encode() + b'"}', JSON),
        id="run ref 7000 chars",
    ),
    pytest.param(Case("POST", "/templates/run", 400, b"[1, 2", JSON), id="run broken JSON"),
    pytest.param(
        Case("PUT", "/_emulator/faults", 400, b'{"latency_ms": 1e400}', JSON), id="knob 1e400"
    ),
    pytest.param(
        Case("PUT", "/_emulator/faults", 400, b'{"latency_ms": 99999999999999999999}', JSON),
        id="knob huge latency",
    ),
    pytest.param(
        Case("PUT", "/_emulator/faults", 400, b'{"log_lines": 1000000000}', JSON),
        id="knob a billion lines",
    ),
    pytest.param(
        Case("PUT", "/_emulator/faults", 400, b'{"keepalive": 1e-300}', JSON),
        id="knob keepalive flood",
    ),
    pytest.param(
        Case("PUT", "/_emulator/faults", 400, b'{"build_timeout": 1e308}', JSON),
        id="knob endless timeout",
    ),
    pytest.param(
        Case(
            "POST",
            "/_emulator/inject",
            400,
            b'{"route": "*", "status": 503, "retry_after": 99999999999}',
            JSON,
        ),
        id="inject huge retry-after",
    ),
    # Query values.
    pytest.param(Case("GET", "/templates?namespace=%ff", 400), id="list bad namespace"),
    pytest.param(Case("GET", f"/templates?namespace={LONG}", 400), id="list long namespace"),
    pytest.param(
        Case("POST", "/templates?auto_build=%ff", 400, doc("beta").encode(), YAML),
        id="publish auto_build not UTF-8",
    ),
    pytest.param(
        Case("POST", f"/templates?force={LONG}", 400, doc("beta").encode(), YAML),
        id="publish long force",
    ),
    pytest.param(Case("DELETE", "/templates/run?id=%ff%fe", 404), id="stop id not UTF-8"),
    pytest.param(Case("DELETE", f"/templates/run?id={LONG}", 404), id="stop long id"),
    pytest.param(Case("DELETE", "/templates/run?id=", 400), id="stop empty id"),
    # Path components.
    pytest.param(Case("GET", "/templates/%ff/alpha/1.0.0", 400), id="get bad namespace"),
    pytest.param(Case("GET", "/templates/default/alpha/1.0.0%00", 400), id="get NUL version"),
    pytest.param(Case("GET", "/templates/default/alpha/%2e%2e", 400), id="get dot-dot"),
    pytest.param(Case("GET", f"/templates/default/{LONG}", 400), id="versions long name"),
    pytest.param(Case("DELETE", "/templates/default/ALPHA/1.0.0", 400), id="delete upper"),
    pytest.param(Case("POST", "/templates/default/alpha/1.0/build", 400), id="build bad semver"),
    pytest.param(Case("GET", "/templates/default/alpha/x/build", 400), id="status bad version"),
    pytest.param(Case("DELETE", "/templates/-/alpha/1.0.0/build", 400), id="cancel bad ns"),
    pytest.param(Case("GET", "/templates/a/b/c/build/events", 400), id="events bad ref"),
    pytest.param(Case("GET", "/templates/global/%ff/x", 400), id="curated bad namespace"),
    # Headers.
    *[
        pytest.param(
            Case("GET", V + "/build/events", 400, headers={"Last-Event-ID": value}),
            id=f"Last-Event-ID {label}",
        )
        for label, value in [
            ("7000 digits", "9" * 7_000),
            ("negative", "-1"),
            ("Arabic digits", "\u0661\u0662"),
            ("exponent", "1e3"),
            ("hex", "0x10"),
        ]
    ],
    *[
        pytest.param(
            Case(
                method,
                path.replace("{namespace}/{name}/{version}", "default/alpha/1.0.0").replace(
                    "{namespace}/{name}", "default/alpha"
                ),
                401,
                headers={"Authorization": auth},
            ),
            id=f"{method} {path} auth {label}",
        )
        for method, path, _, access in ROUTES
        if access in (Access.READ, Access.WRITE)
        for label, auth in [("long", "Bearer " + LONG), ("basic", "Basic c2s6c2s=")]
    ],
]


def _envelope(response_body: bytes, request_id: str) -> None:
    """The body is the documented error envelope naming this request."""
    body = msgspec.json.decode(response_body)
    assert isinstance(body, dict), body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["request_id"] == request_id


async def _still_serving(url: str) -> None:
    async with api() as s:
        async with s.get(url + V + "/build") as r:
            assert r.status == 200
        async with s.get(url + "/_emulator/stats") as r:
            stats = await r.json()
    statuses = {status for by_status in stats["requests"].values() for status in by_status}
    assert not {s for s in statuses if s.startswith("5")}, stats["requests"]


@pytest.fixture
async def emulator(orgo_emulator: str) -> str:
    """The emulator, with ``default/alpha@1.0.0`` published and built."""
    async with api() as s:
        async with s.post(orgo_emulator + "/templates?auto_build=true", data=doc("alpha")) as r:
            assert r.status == 201
        async with s.get(orgo_emulator + V + "/build/events") as r:
            await r.read()  # the stream ends with the build
    return orgo_emulator


@pytest.mark.parametrize("case", CASES)
async def test_a_hostile_request_gets_a_4xx_envelope_and_the_emulator_serves_on(
    emulator: str, case: Case
) -> None:
    """Each hostile request gets its 4xx in the JSON envelope; nothing answers 5xx."""
    headers = {**KEY, **case.headers}
    skip = [] if "Content-Type" in case.headers else ["Content-Type"]
    connector = aiohttp.TCPConnector(force_close=True)
    # Encoded: the path goes out as written (no %2e%2e folded away by the client).
    url = yarl.URL(emulator + case.path, encoded=True)
    data = io.BytesIO(case.body) if case.body is not None else None
    async with (
        aiohttp.ClientSession(connector=connector, skip_auto_headers=skip) as s,
        s.request(case.method, url, data=data, headers=headers) as r,
    ):
        body = await r.read()
        assert r.status == case.status, body[:300]
        assert r.content_type == "application/json"
        _envelope(body, r.headers["X-Request-Id"])
    await _still_serving(emulator)


async def test_validate_reports_hostile_documents_as_not_ok(emulator: str) -> None:
    """Validate answers deep, broken or non-UTF-8 documents 200 ``ok: false``, as documented."""
    async with api() as s:
        for body in (DEEP, DEEP_OBJECT, NOT_UTF8, b"\x00\x01\x02", b"{" * 10):
            async with s.post(emulator + "/templates/validate", data=body, headers=YAML) as r:
                assert r.status == 200
                result = await r.json()
            assert result["ok"] is False
            assert result["errors"]
    await _still_serving(emulator)


async def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as bytes on a new connection; status, headers and body of the answer."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    received = b""
    with anyio.fail_after(10):
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(request)
            try:
                while True:
                    received += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                pass
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers, body


_AUTH_LINE = b"Authorization: Bearer " + EMULATOR_API_KEY.encode() + b"\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "status", "envelope"),
    [
        pytest.param(
            b"GET /api/templates HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\xed\xa0\x80\r\n",
            401,
            True,
            id="key not UTF-8",
        ),
        pytest.param(
            b"GET /api"
            + V.encode()
            + b"/build/events HTTP/1.1\r\n"
            + _AUTH_LINE
            + b"Last-Event-ID: \xff\xfe\r\n",
            400,
            True,
            id="Last-Event-ID not UTF-8",
        ),
        pytest.param(
            b"GET /api/templates HTTP/1.1\r\n" + _AUTH_LINE + b"X-Big: " + b"a" * 20_000 + b"\r\n",
            400,
            False,
            id="header past aiohttp's limit",
        ),
        pytest.param(
            b"GET /api/templates/\xff/a/1.0.0 HTTP/1.1\r\n" + _AUTH_LINE,
            400,
            False,
            id="raw bytes in the path",
        ),
    ],
)
async def test_malformed_bytes_on_the_wire_get_a_4xx_and_the_emulator_serves_on(
    emulator: str, request_bytes: bytes, status: int, envelope: bool
) -> None:
    """Bytes a client library would never send still end in a 4xx (JSON once routed)."""
    request = request_bytes + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
    got, headers, body = await _raw(emulator, request)
    assert got == status
    if envelope:
        _envelope(body, headers["X-Request-Id"])
    await _still_serving(emulator)
