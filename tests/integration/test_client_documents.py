"""What publish and validate put on the wire, and when they are retried (scripted server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orgo_async.errors import InternalServerError
from tests.integration._scripted_server import ScriptedServer, client, reply, scripted_server


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    """A scripted server on 127.0.0.1, stopped after the test."""
    async with scripted_server() as srv:
        yield srv


MINIMAL = """\
api_version: orgo.ai/v1
name: my-template@1.0.0
cpu: 2
"""
PUBLISHED = {
    "ref": "default/my-template@1.0.0",
    "digest": "b" * 64,
    "published": "2026-06-08T17:00:00Z",
}


@pytest.mark.parametrize(
    ("force", "attempts"),
    [
        pytest.param(False, 2, id="plain-publish-retried"),
        pytest.param(True, 1, id="forced-publish-not-retried"),
    ],
)
async def test_publish_is_retried_after_a_5xx_only_without_force(
    server: ScriptedServer, force: bool, attempts: int
) -> None:
    """Republishing identical content is idempotent; a forced publish is not repeated blindly."""
    server.then(reply(503, {"error": "busy"}), reply(201, PUBLISHED))
    async with client(server) as orgo:
        if force:
            with pytest.raises(InternalServerError):
                await orgo.templates.publish(MINIMAL, force=True)
        else:
            result = await orgo.templates.publish(MINIMAL)
            assert result.ref == "default/my-template@1.0.0"
    assert len(server.seen) == attempts


async def test_publish_sends_the_text_as_written_and_its_flags(server: ScriptedServer) -> None:
    """The sugar is left for the server: the YAML goes out byte for byte, with its flags."""
    server.then(reply(201, {**PUBLISHED, "auto_build": "building"}))
    async with client(server) as orgo:
        result = await orgo.templates.publish(MINIMAL, auto_build=True, force=True)
    assert result.auto_build == "building"
    assert server.seen == [("POST", "/api/templates?auto_build=true&force=true")]
    assert server.headers[0]["Content-Type"] == "application/yaml"
    assert server.bodies[0] == MINIMAL.encode()


@pytest.mark.parametrize(
    ("document", "media_type"),
    [
        pytest.param(MINIMAL, "application/yaml", id="yaml-text"),
        pytest.param('{"api_version": "orgo.ai/v1"}', "application/json", id="json-text"),
        pytest.param({"api_version": "orgo.ai/v1"}, "application/json", id="mapping"),
    ],
)
async def test_validate_sends_the_document_as_written(
    server: ScriptedServer, document: str | dict[str, str], media_type: str
) -> None:
    """validate() sends text byte for byte, labelled by what it is; a mapping as JSON."""
    server.then(reply(200, {"ok": False, "errors": []}))
    async with client(server) as orgo:
        await orgo.templates.validate(document)
    assert server.headers[0]["Content-Type"] == media_type
    if isinstance(document, str):
        assert server.bodies[0] == document.encode()


@pytest.mark.parametrize(
    "as_str",
    [pytest.param(True, id="str-path"), pytest.param(False, id="pathlib-path")],
)
async def test_a_file_path_is_read_by_publish_and_validate_alike(
    server: ScriptedServer, tmp_path: Path, as_str: bool
) -> None:
    """A one-line str ending in .yaml is a path for validate() as it is for publish()."""
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL)
    source: str | Path = str(path) if as_str else path
    server.then(reply(200, {"ok": True}), reply(201, PUBLISHED))
    async with client(server) as orgo:
        await orgo.templates.validate(source)
        await orgo.templates.publish(source)
    assert server.bodies == [MINIMAL.encode(), MINIMAL.encode()]
    assert [headers["Content-Type"] for headers in server.headers] == ["application/yaml"] * 2
