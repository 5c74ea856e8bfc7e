"""The exact bytes and content types publish and validate send, against a scripted server.

These are the wire shapes the emulator does not produce by default: documents as written
(never expanded here), the publish envelope for a namespace, validate's wrapped retry and
the body limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from orgo_async.documents import Template, load_template
from orgo_async.errors import (
    BadRequestError,
    TemplateTooLargeError,
    TemplateValidationError,
)
from tests.integration._scripted_server import ScriptedServer, client, reply, scripted_server


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    """A scripted server on 127.0.0.1, stopped after the test."""
    async with scripted_server() as srv:
        yield srv


SUGAR = "api_version: orgo.ai/v1\nname: my-template@1.0.0\ncpu: 2\nram: 4gb\n"
PUBLISHED = {
    "ref": "default/my-template@1.0.0",
    "digest": "b" * 64,
    "published": "2026-06-08T17:00:00Z",
}
VALID = {"ok": True, "template": {"api_version": "orgo.ai/v1"}}


@pytest.mark.parametrize(
    ("document", "body", "media_type"),
    [
        pytest.param(SUGAR, SUGAR.encode(), "application/yaml", id="yaml-text"),
        pytest.param(SUGAR.encode(), SUGAR.encode(), "application/yaml", id="yaml-bytes"),
        pytest.param(
            '{"api_version": "orgo.ai/v1", "name": "my-template@1.0.0"}',
            b'{"api_version": "orgo.ai/v1", "name": "my-template@1.0.0"}',
            "application/json",
            id="json-text-spacing-kept",
        ),
        pytest.param(
            {"api_version": "orgo.ai/v1", "name": "my-template@1.0.0", "cpu": 2},
            b'{"api_version":"orgo.ai/v1","name":"my-template@1.0.0","cpu":2}',
            "application/json",
            id="mapping-with-sugar",
        ),
        pytest.param(
            load_template(SUGAR), SUGAR.encode(), "application/yaml", id="template-from-text"
        ),
        pytest.param(
            msgspec.convert(
                {"api_version": "orgo.ai/v1", "template": {"name": "my-template", "version": "1"}},
                Template,
            ),
            b'{"api_version":"orgo.ai/v1","template":{"name":"my-template","version":"1"}}',
            "application/json",
            id="template-built-by-hand",
        ),
    ],
)
@pytest.mark.parametrize("call", ["publish", "validate"])
async def test_documents_go_out_as_written(
    server: ScriptedServer, call: str, document: object, body: bytes, media_type: str
) -> None:
    """Text byte for byte with its type, a mapping as JSON with its sugar, a Template as loaded."""
    server.then(reply(201, PUBLISHED) if call == "publish" else reply(200, VALID))
    async with client(server) as orgo:
        await getattr(orgo.templates, call)(document)
    assert server.bodies == [body]
    assert server.headers[0]["Content-Type"] == media_type


async def test_a_template_file_is_sent_as_its_bytes(server: ScriptedServer, tmp_path: Path) -> None:
    """A file, byte order mark and comments included, is what publish sends."""
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\xef\xbb\xbf# mine\n" + SUGAR.encode())
    server.then(reply(201, PUBLISHED))
    async with client(server) as orgo:
        await orgo.templates.publish(path)
    assert server.bodies == [path.read_bytes()]


INVALID = "api_version: orgo.ai/v1\nname: my-template@1.0.0\ncpu: 3\n"


async def test_validate_false_sends_what_local_validation_refuses(server: ScriptedServer) -> None:
    """With the pre-check on nothing is sent; with validate=False the text goes as written."""
    server.then(reply(201, PUBLISHED))
    async with client(server) as orgo:
        with pytest.raises(TemplateValidationError):
            await orgo.templates.publish(INVALID)
        assert server.bodies == []
        await orgo.templates.publish(INVALID, validate=False)
    assert server.bodies == [INVALID.encode()]
    assert server.headers[0]["Content-Type"] == "application/yaml"


async def test_warnings_do_not_stop_a_publish(server: ScriptedServer) -> None:
    """A document with only warnings (an undeclared service target) is sent as written."""
    text = SUGAR + (
        "triggers:\n  - name: t\n    source: {type: cron, schedule: '* * * * *'}\n"
        "    actions: [{type: service, op: restart, target: web}]\n"
    )
    server.then(reply(201, PUBLISHED))
    async with client(server) as orgo:
        await orgo.templates.publish(text)
    assert server.bodies == [text.encode()]


@pytest.mark.parametrize("validate", [True, False])
async def test_a_namespace_sends_the_json_envelope(server: ScriptedServer, validate: bool) -> None:
    """namespace= sends {namespace, name, version, template}: the document as written, parsed."""
    server.then(reply(201, {**PUBLISHED, "ref": "team/my-template@1.0.0"}))
    async with client(server) as orgo:
        result = await orgo.templates.publish(SUGAR, namespace="team", validate=validate)
    assert result.ref == "team/my-template@1.0.0"
    assert server.headers[0]["Content-Type"] == "application/json"
    assert server.bodies == [
        b'{"namespace":"team","name":"my-template","version":"1.0.0","template":'
        b'{"api_version":"orgo.ai/v1","name":"my-template@1.0.0","cpu":2,"ram":"4gb"}}'
    ]


async def test_validate_is_retried_once_wrapped_when_the_server_asks(
    server: ScriptedServer,
) -> None:
    """400 "template required" on the raw document: the same document again as {template}."""
    server.then(reply(400, {"error": "template required"}), reply(200, VALID))
    async with client(server) as orgo:
        result = await orgo.templates.validate(SUGAR)
    assert result.ok
    assert server.bodies == [
        SUGAR.encode(),
        b'{"template":{"api_version":"orgo.ai/v1","name":"my-template@1.0.0","cpu":2,"ram":"4gb"}}',
    ]
    assert [h["Content-Type"] for h in server.headers] == ["application/yaml", "application/json"]


async def test_another_400_on_validate_is_not_retried(server: ScriptedServer) -> None:
    """A 400 for any other reason is the caller's: one request, BadRequestError."""
    server.then(reply(400, {"error": "bad body"}))
    async with client(server) as orgo:
        with pytest.raises(BadRequestError):
            await orgo.templates.validate(SUGAR)
    assert len(server.bodies) == 1


HEAD = "api_version: orgo.ai/v1\nname: big@1.0.0\n"


@pytest.mark.parametrize(
    ("text", "namespace"),
    [
        pytest.param(HEAD + "vars: {blob: " + "x" * 1_000_000 + "}\n", None, id="text"),
        # Under the limit as YAML, over it as JSON: each tab is escaped to two bytes.
        pytest.param(HEAD + 'vars: {blob: "' + "\t" * 600_000 + '"}\n', "team", id="envelope"),
    ],
)
@pytest.mark.parametrize("validate", [True, False])
async def test_a_body_over_the_limit_is_refused_before_sending(
    server: ScriptedServer, text: str, namespace: str | None, validate: bool
) -> None:
    """Over 1,000,000 bytes: TemplateTooLargeError with the size, and no request at all."""
    async with client(server) as orgo:
        with pytest.raises(TemplateTooLargeError) as caught:
            await orgo.templates.publish(text, namespace=namespace, validate=validate)
    assert caught.value.size > caught.value.limit == 1_000_000
    assert f"{caught.value.size:,}" in str(caught.value)
    assert server.seen == []
