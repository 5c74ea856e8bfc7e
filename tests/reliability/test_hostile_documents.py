"""Hostile documents end in a typed error, quickly, on both sides, and never hold the loop.

The bombs here used to take from seconds to minutes and hundreds of MiB (merge keys were
expanded before any bound applied); integers Python cannot convert raised ValueError, and
a 5,000-digit hex integer passed validation, then failed the digest: the emulator
answered 500 to all of them. Bounds in these tests are loose on purpose (the machine is
shared): the figures are in docs/reliability.md.
"""

from __future__ import annotations

import io
import math
import re
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest

from orgo_async import TemplateSyntaxError, TemplateTooLargeError
from orgo_async.documents import (
    Hardware,
    load_template,
    parse_document,
    template_digest,
    validate_template,
)
from orgo_async.documents._offload import INLINE_BYTES, off_loop
from orgo_async.fleet import BuildFleet
from orgo_async.testing import EMULATOR_API_KEY, run_emulator
from tests.integration._emulator_client import emulator_client, requests_to
from tests.reliability.hostile_documents import BOMBS, HEAD, NUMBERS, big_yaml, merge_bomb

SECONDS = 5.0
"""Loose bound per document; each one takes milliseconds to about a second."""
MIB = 64
"""Loose bound on the memory traced while one document is refused."""

HOSTILE = {**BOMBS, **NUMBERS}


def _bounded(call: Callable[[], Any]) -> tuple[float, float]:
    """Run ``call``; its wall time and traced peak memory (MiB)."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        call()
    finally:
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_document_is_refused_quickly_and_cheaply(text: str | bytes) -> None:
    """parse, validate and load each raise TemplateSyntaxError within the time and memory bound."""
    for read in (parse_document, validate_template, load_template):
        elapsed, peak = _bounded(lambda read=read: _refused(read, text))  # type: ignore[misc]
        assert elapsed < SECONDS, read.__name__
        assert peak < MIB, read.__name__


def _refused(read: Callable[[Any], Any], text: str | bytes) -> None:
    with pytest.raises(TemplateSyntaxError):
        read(text)


def test_a_merge_bomb_is_refused_at_the_merge_with_its_position() -> None:
    """A 467-byte merge bomb (about 5 s before) is refused where it expands, line and column."""
    with pytest.raises(TemplateSyntaxError, match="expands to more than 100,000") as caught:
        parse_document(merge_bomb())
    assert (caught.value.line, caught.value.column) == (7, 15)


@pytest.mark.parametrize("name", [n for n in NUMBERS if not n.startswith("int-key")])
def test_an_unreadable_number_is_refused_at_its_line(name: str) -> None:
    """A number that cannot be converted or is beyond 64 bits is refused where it stands."""
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_document(NUMBERS[name])
    assert caught.value.line in (1, 4)  # JSON is one line; YAML has it on line 4
    assert caught.value.column is not None


def test_the_64_bit_bounds_are_inclusive() -> None:
    """-2**63 and 2**63-1 load; one past either end is refused."""
    for value in (-(2**63), 2**63 - 1):
        assert parse_document(f"a: {value}") == {"a": value}
        assert parse_document(f'{{"a": {value}}}') == {"a": value}
    for value in (-(2**63) - 1, 2**63):
        for text in (f"a: {value}", f'{{"a": {value}}}'):
            with pytest.raises(TemplateSyntaxError, match="64 bits"):
                parse_document(text)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"hardware": {"disk_gb": 2**64}}, "hardware.disk_gb", id="value"),
        pytest.param({"hardware": {"disk_gb": 16**5000}}, "hardware.disk_gb", id="5000-hex"),
        pytest.param({"env": {"A": "x"}, "vars": {"n": [-(2**70)]}}, "vars.n[0]", id="list"),
        pytest.param({"env": {10**5000: "x"}}, "env[int]", id="key"),
    ],
)
def test_a_mapping_with_an_integer_beyond_64_bits_names_its_field(
    data: dict[str, Any], field: str
) -> None:
    """Caller-built data holding an integer beyond 64 bits is refused, naming the field."""
    document = {"api_version": "orgo.ai/v1", "name": "hostile@1.0.0", **data}
    for read in (validate_template, load_template, template_digest):
        with pytest.raises(TemplateSyntaxError, match=f"at {re.escape(field)} "):
            read(document)


@pytest.mark.parametrize("spelling", [".inf", "-.inf", ".nan", "1e999", "-1e999"])
def test_a_non_finite_number_is_a_type_issue(spelling: str) -> None:
    """YAML's .inf, .nan and 1e999 parse, and are a `type` issue at their field."""
    issues = validate_template(f"{HEAD}hardware:\n  cpu: {spelling}\n")
    assert [(i.field, i.code) for i in issues] == [("hardware.cpu", "type")]


@pytest.mark.parametrize(
    "hardware",
    [
        pytest.param(Hardware(cpu=math.inf), id="inf"),
        pytest.param(Hardware(cpu=math.nan), id="nan"),
        pytest.param(Hardware(disk_gb=16**5000), id="5000-hex-digits"),
        pytest.param(Hardware(disk_gb=2**64), id="2**64"),
    ],
)
async def test_a_hand_built_template_json_cannot_hold_is_refused(hardware: Hardware) -> None:
    """Digest and publish refuse a hand-built Template JSON cannot hold; nothing is sent."""
    template = msgspec.structs.replace(load_template(HEAD), hardware=hardware)
    with pytest.raises(TemplateSyntaxError, match="hardware"):
        template_digest(template)
    async with run_emulator() as url, emulator_client(url) as orgo:
        for call in (orgo.templates.publish, orgo.templates.validate):
            with pytest.raises(TemplateSyntaxError):
                await call(template)
        assert await requests_to(url, "POST /templates") == {}
        assert await requests_to(url, "POST /templates/validate") == {}


async def test_a_mapping_json_cannot_hold_is_not_sent_to_validate() -> None:
    """validate refuses a mapping holding nan, bytes or a non-text key, instead of rewriting it."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        for extra in ({"x": math.nan}, {"x": b"raw"}, {"x": {1: "one"}}):
            with pytest.raises(TemplateSyntaxError, match="JSON"):
                await orgo.templates.validate({"api_version": "orgo.ai/v1", **extra})
        assert await requests_to(url, "POST /templates/validate") == {}


# --- one rule for byte order marks ---------------------------------------------------


@pytest.mark.parametrize("source", [HEAD, HEAD.encode()], ids=["str", "bytes"])
def test_one_bom_is_skipped_and_a_second_is_refused_alike(source: str | bytes) -> None:
    """One leading BOM is skipped, text or bytes; a second one is refused the same way."""
    bom = "\ufeff" if isinstance(source, str) else "\ufeff".encode()
    assert parse_document(bom + source) == parse_document(source)  # type: ignore[operator]
    with pytest.raises(TemplateSyntaxError, match="two byte order marks"):
        parse_document(bom + bom + source)  # type: ignore[operator]


async def test_the_emulator_reads_byte_order_marks_as_the_client_does() -> None:
    """A BOM the client accepts is valid on the emulator; two are refused on both sides."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        result = await orgo.templates.validate("\ufeff" + HEAD)
        assert result.ok, result.errors
        with pytest.raises(TemplateSyntaxError):
            await orgo.templates.publish("\ufeff\ufeff" + HEAD)
        refused = await orgo.templates.validate("\ufeff\ufeff" + HEAD)
        assert [issue.code for issue in refused.errors] == ["syntax"]
        status, body = await _post(url, "/templates/validate", ("\ufeff\ufeff" + HEAD).encode())
        assert status == 200
        assert body["ok"] is False
        assert body["errors"][0]["code"] == "syntax"


# --- the emulator answers 4xx, never 500 ------------------------------------------------


async def _post(url: str, path: str, body: bytes) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {EMULATOR_API_KEY}", "Content-Type": "application/yaml"}
    async with (
        aiohttp.ClientSession() as session,
        # A file-like body: aiohttp warns about sending more than 1 MiB of raw bytes.
        session.post(f"{url}{path}", data=io.BytesIO(body), headers=headers) as response,
    ):
        return response.status, msgspec.json.decode(await response.read())


async def test_the_emulator_answers_every_hostile_body_without_a_server_error() -> None:
    """Publish answers 4xx and validate ok:false (or 413) to each hostile body, over HTTP."""
    async with run_emulator() as url:
        for name, text in HOSTILE.items():
            body = text if isinstance(text, bytes) else text.encode()
            start = time.monotonic()
            status, answer = await _post(url, "/templates", body)
            assert 400 <= status < 500, (name, status, answer)
            status, answer = await _post(url, "/templates/validate", body)
            assert status == 413 or (status == 200 and answer["ok"] is False), (name, answer)
            assert time.monotonic() - start < 2 * SECONDS, name
        wrapped = b'{"template": ' + NUMBERS["json-int-2**64"].encode() + b"}"
        status, answer = await _post(url, "/templates", wrapped)
        assert (status, answer["line"]) == (400, 1)
        stats = await requests_to(url, "POST /templates")
    assert not [status for status in stats if status.startswith("5")]


async def test_client_calls_and_fleet_refuse_hostile_documents_before_sending() -> None:
    """publish and fleet.submit raise TemplateSyntaxError; nothing is sent or queued."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            for name, text in HOSTILE.items():
                for call in (orgo.templates.publish, fleet.submit):
                    with pytest.raises(TemplateSyntaxError):
                        await call(text)
                assert fleet.handles == [], name
        assert fleet.report().totals.submitted == 0
        assert await requests_to(url, "POST /templates") == {}


async def test_validate_leaves_hostile_documents_to_the_server() -> None:
    """validate checks nothing locally: the emulator's typed verdict (or the size limit) comes
    back in bounded time."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        for name, text in HOSTILE.items():
            start = time.monotonic()
            try:
                result = await orgo.templates.validate(text)
            except TemplateTooLargeError:
                continue
            assert result.ok is False, name
            assert time.monotonic() - start < 2 * SECONDS, name


# --- never on the event loop ------------------------------------------------------------


async def test_tiny_input_is_read_inline_and_the_rest_in_a_worker_thread() -> None:
    """off_loop runs tiny text on the loop's thread, anything larger in another thread."""

    def thread_of(_: object) -> int:
        return threading.get_ident()

    here = threading.get_ident()
    assert await off_loop(thread_of, "a: 1\n" * (INLINE_BYTES // 5)) == here
    assert await off_loop(thread_of, {"a": 1}) == here
    assert await off_loop(thread_of, "a: 1\n" * (INLINE_BYTES // 5 + 1)) != here
    assert await off_loop(thread_of, {"a": list(range(300))}) != here
    assert await off_loop(thread_of, "template.yaml") != here  # a path: read from disk
    assert await off_loop(thread_of, load_template(HEAD)) == here
    assert await off_loop(thread_of, load_template(big_yaml(20_000))) != here


async def _largest_gap(work: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """The longest the loop went without running a 1 ms heartbeat while ``work`` ran, and
    how long ``work`` took."""
    gap = 0.0

    async def heartbeat() -> None:
        nonlocal gap
        last = time.monotonic()
        while True:
            await anyio.sleep(0.001)
            now = time.monotonic()
            gap, last = max(gap, now - last), now

    async with anyio.create_task_group() as group:
        group.start_soon(heartbeat)
        await anyio.sleep(0.005)
        start = time.monotonic()
        await work()
        elapsed = time.monotonic() - start
        group.cancel_scope.cancel()
    return gap, elapsed


async def test_the_event_loop_keeps_running_while_large_documents_are_read() -> None:
    """A fleet submitting, and the emulator validating, a large document hold the loop for
    a small part of the time the work takes, most of which is parsing."""
    text = big_yaml(400_000)
    async with run_emulator() as url, emulator_client(url) as orgo:

        async def submit() -> None:
            async with BuildFleet(orgo) as fleet:
                await fleet.submit(text, publish=False)
                with pytest.raises(TemplateSyntaxError):
                    await fleet.submit(merge_bomb())
                fleet.cancel()

        async def validate() -> None:
            status, answer = await _post(url, "/templates/validate", text.encode())
            assert (status, answer["ok"]) == (200, True)

        for work in (submit, validate):
            # Parsed on the loop, the gap would be nearly all of the work's time.
            gap, elapsed = await _largest_gap(work)
            assert gap < elapsed / 3, (work.__name__, gap, elapsed)
