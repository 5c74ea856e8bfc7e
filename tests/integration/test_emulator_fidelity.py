"""The emulator as a second implementation: documented examples, seed 004's publish rules,
``${...}`` where it cannot stand, content types, the served schema and the field switches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest
from jsonschema import Draft202012Validator

from orgo_async.emulator.config import EmulatorConfig
from orgo_async.emulator.serve import serve_config
from tests.documented_examples import DOCUMENTED
from tests.integration.test_emulator_support import api

T = "/templates"
HEAD = "api_version: orgo.ai/v1\n"
BASE = "api_version: orgo.ai/v1\ntemplate:\n  name: fidelity\n  version: 1.0.0\n"


def _media_type(text: str) -> str:
    return "application/json" if text.lstrip().startswith("{") else "application/yaml"


async def _post(
    s: aiohttp.ClientSession, url: str, text: str, *, media_type: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": media_type or _media_type(text)}
    async with s.post(url, data=text.encode(), headers=headers) as r:
        return r.status, await r.json()


@pytest.mark.parametrize("name", DOCUMENTED)
async def test_every_documented_example_is_accepted_and_stored_as_the_schema_says(
    orgo_emulator: str, name: str
) -> None:
    """Each example the docs show validates and publishes; what get returns fits the schema."""
    text = DOCUMENTED[name]
    async with api() as s:
        status, checked = await _post(s, orgo_emulator + T + "/validate", text)
        assert (status, checked["ok"]) == (200, True), checked
        status, published = await _post(s, orgo_emulator + T, text)
        assert status == 201, published
        path = published["ref"].replace("@", "/")
        async with s.get(f"{orgo_emulator}{T}/{path}") as r:
            stored = (await r.json())["template"]
        async with s.get(orgo_emulator + "/template-schema") as r:
            schema = msgspec.json.decode(await r.read())
    assert list(Draft202012Validator(schema).iter_errors(stored)) == []
    assert stored == checked["template"]


async def test_the_triggers_guide_example_is_answered_with_its_warning(orgo_emulator: str) -> None:
    """Validate answers ok with the undeclared service as a warning beside it."""
    async with api() as s:
        _, body = await _post(s, orgo_emulator + T + "/validate", DOCUMENTED["triggers-guide"])
    assert body["ok"] is True
    assert [(w["field"], w["code"], w["severity"]) for w in body["warnings"]] == [
        ("triggers[1].actions[0].target", "unknown_ref", "warning")
    ]


async def test_republishing_judges_the_whole_document_and_force_replaces(
    orgo_emulator: str,
) -> None:
    """Same document: 200 unchanged; another description: 409; force: 201, newly published."""
    first = BASE + "  description: one\n"
    other = BASE + "  description: two\n"
    async with api() as s:
        status, created = await _post(s, orgo_emulator + T, first)
        assert status == 201
        assert await _post(s, orgo_emulator + T, first) == (200, created)
        status, conflict = await _post(s, orgo_emulator + T, other)
        assert status == 409, conflict
        status, forced = await _post(s, orgo_emulator + T + "?force=true", other)
        assert status == 201
        status, again = await _post(s, orgo_emulator + T + "?force=true", other)
        assert status == 201
        async with s.get(orgo_emulator + T + "/default/fidelity/1.0.0") as r:
            stored = await r.json()
    assert forced["digest"] == created["digest"]  # identity stays out of the build digest
    assert created["published"] < forced["published"] < again["published"]
    assert stored["template"]["template"]["description"] == "two"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(
            HEAD + "vars: {n: demo}\ntemplate: {name: '${var.n}', version: 1.0.0}\n",
            "template.name",
            id="name",
        ),
        pytest.param(
            HEAD + "vars: {v: 1.0.0}\ntemplate: {name: demo, version: '${var.v}'}\n",
            "template.version",
            id="version",
        ),
        pytest.param(
            BASE + "vars: {r: 1280x720x24}\nhardware: {resolution: '${var.r}'}\n",
            "hardware.resolution",
            id="resolution",
        ),
    ],
)
async def test_a_reference_where_a_pattern_stands_is_a_validation_error(
    orgo_emulator: str, text: str, field: str
) -> None:
    """${...} in the identity block or a patterned field: 422 and ok false at its path, no 500."""
    async with api() as s:
        status, published = await _post(s, orgo_emulator + T, text)
        _, checked = await _post(s, orgo_emulator + T + "/validate", text)
    assert status == 422
    assert [(e["field"], e["code"]) for e in published["errors"]] == [(field, "pattern")]
    assert checked["ok"] is False
    assert [e["field"] for e in checked["errors"]] == [field]


async def test_a_clash_the_client_only_warns_about_is_refused_here(orgo_emulator: str) -> None:
    """Sugar and canonical keys that disagree: the emulator answers 422 (docs/emulator.md)."""
    text = BASE + "cpu: 2\nhardware: {cpu: 4}\n"
    async with api() as s:
        status, body = await _post(s, orgo_emulator + T, text)
    assert status == 422
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("cpu", "conflict")]


async def test_fields_beyond_the_schema_in_a_source_are_accepted_with_a_warning(
    orgo_emulator: str,
) -> None:
    """The schema leaves sources open: an extra field passes, flagged, and is not stored."""
    text = BASE + (
        "triggers:\n  - name: t\n    source: {type: cron, schedule: '* * * * *', tz: UTC}\n"
        "    actions: [{type: log, message: hi}]\n"
    )
    async with api() as s:
        _, body = await _post(s, orgo_emulator + T + "/validate", text)
    assert body["ok"] is True
    assert [w["field"] for w in body["warnings"]] == ["triggers[0].source.tz"]
    assert "tz" not in body["template"]["triggers"][0]["source"]


@pytest.mark.parametrize(
    ("media_type", "status"),
    [
        pytest.param("text/html", 415, id="html"),
        pytest.param("application/x-www-form-urlencoded", 415, id="form"),
        pytest.param("application/json", 400, id="yaml-labelled-json"),
        pytest.param("text/yaml", 201, id="text-yaml"),
        pytest.param("text/plain", 201, id="text-plain"),
    ],
)
async def test_request_content_types(orgo_emulator: str, media_type: str, status: int) -> None:
    """A document type the API does not take is 415; YAML labelled as JSON is 400."""
    async with api() as s:
        got, body = await _post(s, orgo_emulator + T, BASE, media_type=media_type)
    assert got == status, body


@pytest.fixture
async def wrapped_only() -> AsyncIterator[str]:
    """An emulator whose validate takes only ``{"template": doc}`` and answers 422."""
    config = EmulatorConfig(validate_wants_wrapped=True, validate_invalid_422=True)
    async with serve_config(config) as url:
        yield url


async def test_validate_switches_answer_as_servers_in_the_field_do(wrapped_only: str) -> None:
    """Raw: 400 "template required"; wrapped: judged; invalid: 422 with errors."""
    document = {"api_version": "orgo.ai/v1", "template": {"name": "x", "version": "1.0.0"}}
    invalid = {"api_version": "orgo.ai/v1", "template": {"name": "x"}}
    async with api() as s:
        raw = await _post(s, wrapped_only + T + "/validate", msgspec.json.encode(document).decode())
        ok = await _post(
            s, wrapped_only + T + "/validate", msgspec.json.encode({"template": document}).decode()
        )
        bad = await _post(
            s, wrapped_only + T + "/validate", msgspec.json.encode({"template": invalid}).decode()
        )
    assert (raw[0], raw[1]["error"]) == (400, "template required")
    assert (ok[0], ok[1]["ok"]) == (200, True)
    assert bad[0] == 422
    assert [e["field"] for e in bad[1]["errors"]] == ["template.version"]
