"""Golden JSON fixtures pin the emulator's wire format, response by response.

Run with ``ORGO_UPDATE_GOLDEN=1`` to rewrite the fixtures after an intended change.
Values that differ per run (ids, times, digests) are replaced by placeholders first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import msgspec

from orgo_async.emulator.app import ROUTES
from orgo_async.emulator.policy import CONTROL_PREFIX
from tests.integration.test_emulator_support import api, doc, parse_frames

GOLDEN = Path(__file__).parent / "golden"
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
_HEX12 = re.compile(r"\bgolden [0-9a-f]{12}\b")
_SECONDS = re.compile(r"ready in \d+\.\ds")
_VOLATILE = {
    "request_id": "<request-id>",
    "published": "<time>",
    "ts": "<time>",
    "build_time_ms": "<ms>",
}


def _stable(value: Any, key: str | None = None) -> Any:
    if key in _VOLATILE:
        return _VOLATILE[key]
    if isinstance(value, dict):
        return {k: _stable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, str):
        value = _SECONDS.sub("ready in <seconds>", value)
        return _HEX12.sub("golden <digest12>", _HEX64.sub("<digest>", value))
    return value


def _check(name: str, status: int, body: Any) -> None:
    actual = {"status": status, "body": _stable(body)}
    path = GOLDEN / f"emulator_{name}.json"
    encoded = msgspec.json.format(msgspec.json.encode(actual), indent=2) + b"\n"
    if os.environ.get("ORGO_UPDATE_GOLDEN"):
        path.write_bytes(encoded)
    assert actual == msgspec.json.decode(path.read_bytes()), f"{path.name} differs"


async def test_golden_publish_get_and_build_responses(orgo_emulator: str) -> None:
    """Publish, get, build start and status, and the event frames match their fixtures."""
    v = orgo_emulator + "/templates/default/golden/1.0.0"
    async with api() as s:
        async with s.post(orgo_emulator + "/templates?auto_build=true", data=doc("golden")) as r:
            _check("publish_201", r.status, await r.json())
        async with s.get(v) as r:
            _check("get_200", r.status, await r.json())
        async with s.get(v + "/build/events") as r:
            frames, _ = parse_frames(await r.text())
        _check("events_head_and_tail", 200, [f.data for f in frames[:6] + frames[-5:]])
        async with s.get(v + "/build") as r:
            _check("build_status_ready", r.status, await r.json())
        async with s.post(v + "/build") as r:
            _check("build_start_reused", r.status, await r.json())


async def test_golden_error_responses(orgo_emulator: str) -> None:
    """The error envelope of 401, 404 idle cancel, 409, 422 and a failed build match."""
    async with api("sk_wrong") as s, s.get(orgo_emulator + "/templates") as r:
        _check("error_401", r.status, await r.json())
    async with api() as s:
        async with s.post(orgo_emulator + "/templates", data=doc("bad", run=["exit 2"])) as r:
            assert r.status == 201
        async with s.post(orgo_emulator + "/templates", data=doc("bad")) as r:
            _check("error_409", r.status, await r.json())
        async with s.delete(orgo_emulator + "/templates/default/bad/1.0.0/build") as r:
            _check("cancel_idle_404", r.status, await r.json())
        async with s.post(orgo_emulator + "/templates/default/bad/1.0.0/build") as r:
            assert r.status == 202
        async with s.get(orgo_emulator + "/templates/default/bad/1.0.0/build/events") as r:
            await r.read()
        async with s.get(orgo_emulator + "/templates/default/bad/1.0.0/build") as r:
            _check("build_status_failed", r.status, await r.json())
        async with s.post(orgo_emulator + "/templates", data=doc("worse", cpu=3)) as r:
            _check("error_422", r.status, await r.json())


async def test_openapi_describes_every_public_route(orgo_emulator: str) -> None:
    """/openapi.json is OpenAPI 3.1 with every public route and the wire models as schemas."""
    async with api(None) as s, s.get(orgo_emulator + "/openapi.json") as r:
        assert r.status == 200
        spec = await r.json()
    assert spec["openapi"] == "3.1.0"
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    public = {(m, p) for m, p, _, _ in ROUTES if not p.startswith(CONTROL_PREFIX)}
    assert described == public
    schemas = spec["components"]["schemas"]
    assert {"BuildEvent", "BuildInfo", "ErrorBody", "TemplateVersion", "OrgoTemplate"} <= set(
        schemas
    )
    assert set(schemas["BuildInfo"]["properties"]["status"]["enum"]) == {
        "not_built",
        "building",
        "ready",
        "failed",
    }
    refs = re.findall(r'"\$ref":"#/components/schemas/(\w+)"', msgspec.json.encode(spec).decode())
    assert set(refs) <= set(schemas)
