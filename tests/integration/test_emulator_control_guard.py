"""Control routes answer tools on this machine, never a web page or a rebound DNS name.

A browser lets any page send "simple" cross-origin POSTs (form or text bodies) without
asking first, and DNS rebinding points an attacker's name at 127.0.0.1. These tests send
what such a browser would send, header for header.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.integration.test_emulator_support import api, doc

C = "/_emulator"
JSON = {"Content-Type": "application/json"}
CONTROL_WRITES = [("POST", "/reset"), ("POST", "/inject"), ("POST", "/streams/cut")]
CONTROL_WRITES += [("PUT", "/faults")]
SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


async def _control(
    url: str, method: str, path: str, headers: dict[str, str], body: bytes | None = b"{}"
) -> tuple[int, dict[str, Any]]:
    # skip_auto_headers: the test decides every header, as a browser's request carries.
    async with (
        aiohttp.ClientSession(skip_auto_headers=["Content-Type"]) as s,
        s.request(method, url + C + path, data=body, headers=headers) as r,
    ):
        return r.status, await r.json()


async def _own_templates(url: str) -> list[Any]:
    async with api() as s, s.get(url + "/templates") as r:
        templates: list[Any] = (await r.json())["templates"]
        return templates


@pytest.fixture
async def emulator(orgo_emulator: str) -> str:
    """The emulator with one published version, which a successful reset would forget."""
    async with api() as s, s.post(orgo_emulator + "/templates", data=doc("alpha")) as r:
        assert r.status == 201
    return orgo_emulator


@pytest.mark.parametrize("content_type", SIMPLE_TYPES)
@pytest.mark.parametrize(("method", "path"), CONTROL_WRITES)
async def test_a_body_not_declared_as_json_is_refused_with_415(
    emulator: str, method: str, path: str, content_type: str
) -> None:
    """Form and text bodies, which a page may send cross-origin unasked, change nothing."""
    status, body = await _control(emulator, method, path, {"Content-Type": content_type})
    assert status == 415
    assert "Content-Type: application/json" in body["error"]
    assert len(await _own_templates(emulator)) == 1


async def test_a_body_with_no_content_type_is_refused_with_415(emulator: str) -> None:
    """A POST that declares nothing is no JSON request either."""
    status, _ = await _control(emulator, "POST", "/reset", {}, body=None)
    assert status == 415
    assert len(await _own_templates(emulator)) == 1


def _foreign_origins(port: int) -> list[str]:
    return [
        "http://evil.example",
        f"http://evil.example:{port}",
        "null",
        f"https://127.0.0.1:{port}",
        f"http://127.0.0.1:{port + 1}",
        f"http://127.0.0.1.evil.example:{port}",
        f"http://localhost:{port}@evil.example",
        "file://",
    ]


async def test_a_foreign_origin_is_refused_with_403_on_every_control_route(emulator: str) -> None:
    """A request from another origin (any page elsewhere, or a sandboxed one) gets 403."""
    for origin in _foreign_origins(_port(emulator)):
        for method, path in [*CONTROL_WRITES, ("GET", "/stats"), ("DELETE", "/faults")]:
            headers = {**JSON, "Origin": origin}
            status, body = await _control(emulator, method, path, headers)
            assert status == 403, (origin, method, path)
            assert "Origin" in body["error"]
    assert len(await _own_templates(emulator)) == 1


def _foreign_hosts(port: int) -> list[str]:
    return [
        f"evil.example:{port}",  # DNS rebinding: the name now resolves to 127.0.0.1
        "evil.example",
        f"127.0.0.1:{port + 1}",
        "127.0.0.1",  # port 80 implied
        f"127.0.0.1.nip.io:{port}",
        f"evil@127.0.0.1:{port}",
        f"localhost:{port}/x",
    ]


async def test_a_host_other_than_the_emulators_own_is_refused_with_403(emulator: str) -> None:
    """A Host that is not a loopback name on the emulator's port (DNS rebinding) gets 403."""
    for host in _foreign_hosts(_port(emulator)):
        for method, path in [("POST", "/reset"), ("GET", "/stats")]:
            status, body = await _control(emulator, method, path, {**JSON, "Host": host})
            assert status == 403, (host, method, path)
            assert "Host" in body["error"]
    assert len(await _own_templates(emulator)) == 1


async def test_the_emulators_own_host_and_origin_are_served(orgo_emulator: str) -> None:
    """Loopback names on the emulator's port, as Host or as Origin, reach the routes."""
    port = _port(orgo_emulator)
    for host in [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"]:
        status, _ = await _control(orgo_emulator, "GET", "/stats", {"Host": host})
        assert status == 200, host
        origin = {**JSON, "Origin": f"http://{host}"}
        status, _ = await _control(orgo_emulator, "POST", "/reset", origin)
        assert status == 200, host


async def test_no_cors_preflight_is_granted(emulator: str) -> None:
    """A browser's preflight for a JSON POST gets no Access-Control-Allow-* header."""
    headers = {
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with (
        aiohttp.ClientSession() as s,
        s.options(emulator + C + "/reset", headers=headers) as r,
    ):
        assert r.status == 405
        assert not [h for h in r.headers if h.lower().startswith("access-control-")]
    assert len(await _own_templates(emulator)) == 1


async def test_api_routes_are_not_affected_by_the_guard(orgo_emulator: str) -> None:
    """The key-protected API answers whatever Origin and Host a client sends."""
    headers = {"Origin": "http://elsewhere.example", "Host": "api.example"}
    async with api() as s, s.get(orgo_emulator + "/templates", headers=headers) as r:
        assert r.status == 200
