"""``orgo.templates`` against the emulator: every endpoint's happy path and local validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from orgo_async.documents import load_template
from orgo_async.errors import NotFoundError, TemplateSyntaxError, TemplateValidationError
from orgo_async.refs import TemplateRef
from orgo_async.testing import run_emulator
from tests.integration._emulator_client import (
    MINIMAL,
    MINIMAL_REF,
    emulator_client,
    requests_to,
    settle,
)

# The documented examples, as the documents tests keep them.
EXAMPLES = Path(__file__).parents[1] / "unit" / "documents" / "data"


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A fresh emulator whose builds finish at once."""
    async with run_emulator() as base_url:
        yield base_url


def _as_path(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(MINIMAL)
    return path


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda tmp: MINIMAL, id="yaml-text"),
        pytest.param(lambda tmp: MINIMAL.encode(), id="bytes"),
        pytest.param(_as_path, id="path"),
        pytest.param(lambda tmp: load_template(MINIMAL), id="template"),
        pytest.param(lambda tmp: load_template(MINIMAL).to_dict(), id="mapping"),
    ],
)
async def test_publish_accepts_every_document_form(url: str, tmp_path: Path, make: Any) -> None:
    """Text, bytes, a path, a Template or a mapping all publish the same ref and digest."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.publish(make(tmp_path))
        assert result.ref == MINIMAL_REF
        stored = await orgo.templates.get(MINIMAL_REF)
    assert stored.digest == result.digest
    assert stored.template == load_template(MINIMAL).to_dict()
    assert await requests_to(url, "POST /templates") == {"201": 1}


async def test_publishing_identical_content_again_is_idempotent(url: str) -> None:
    """A second publish of the same document answers 200 with the same body."""
    async with emulator_client(url) as orgo:
        first = await orgo.templates.publish(MINIMAL)
        again = await orgo.templates.publish(MINIMAL)
    assert again == first
    assert await requests_to(url, "POST /templates") == {"201": 1, "200": 1}


async def test_force_replaces_changed_content(url: str) -> None:
    """force=True publishes different content over an existing version."""
    async with emulator_client(url) as orgo:
        first = await orgo.templates.publish(MINIMAL)
        replaced = await orgo.templates.publish(MINIMAL.replace("cpu: 2", "cpu: 4"), force=True)
        stored = await orgo.templates.get(MINIMAL_REF)
    assert replaced.digest != first.digest
    assert stored.digest == replaced.digest


async def test_auto_build_starts_the_build(url: str) -> None:
    """auto_build=True reports the build it started, which then finishes."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.publish(MINIMAL, auto_build=True)
        assert result.auto_build == "building"
        assert (await settle(orgo, MINIMAL_REF)).status == "ready"


async def test_publish_of_an_invalid_document_lists_every_problem_and_sends_nothing(
    url: str,
) -> None:
    """Local validation raises TemplateValidationError with all issues before any request."""
    bad = "api_version: orgo.ai/v1\ntemplate: {name: Bad_Name, version: x}\nhardware: {cpu: 3}\n"
    async with emulator_client(url) as orgo:
        with pytest.raises(TemplateValidationError) as caught:
            await orgo.templates.publish(bad)
    fields = sorted(issue.field for issue in caught.value.issues)
    assert fields == ["hardware.cpu", "template.name", "template.version"]
    assert await requests_to(url, "POST /templates") == {}


async def test_text_that_does_not_parse_is_refused_locally_by_publish(url: str) -> None:
    """Broken YAML raises TemplateSyntaxError with its line, and publish sends nothing."""
    async with emulator_client(url) as orgo:
        with pytest.raises(TemplateSyntaxError) as caught:
            await orgo.templates.publish("api_version: orgo.ai/v1\nname: [unclosed\n")
    assert caught.value.line is not None
    assert await requests_to(url, "POST /templates") == {}


async def test_validate_leaves_text_that_does_not_parse_to_the_server(url: str) -> None:
    """validate() checks nothing locally: the server's verdict on broken YAML comes back."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.validate("api_version: orgo.ai/v1\nname: [unclosed\n")
    assert not result.ok
    assert [issue.code for issue in result.errors] == ["syntax"]


async def test_an_unreadable_path_is_a_template_error(url: str, tmp_path: Path) -> None:
    """A path that does not exist raises a TemplateError naming it, before any request."""
    from orgo_async.errors import TemplateError

    missing = tmp_path / "missing.yaml"
    async with emulator_client(url) as orgo:
        with pytest.raises(TemplateError, match=r"missing\.yaml"):
            await orgo.templates.publish(missing)


async def test_validate_returns_the_normalized_document(url: str) -> None:
    """A valid document comes back canonical: sugar expanded."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.validate(MINIMAL)
    assert result.ok
    assert result.errors == []
    assert result.template == load_template(MINIMAL).to_dict()


async def test_validate_reports_problems_as_a_result(url: str) -> None:
    """An invalid document gives ok=False and its issues, not an exception."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.validate({"api_version": "orgo.ai/v1", "template": {}})
    assert not result.ok
    assert {issue.field for issue in result.errors} >= {"template.name", "template.version"}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
async def test_documented_examples_validate_on_the_server(url: str, example: str) -> None:
    """Every documented example is valid for the server too, read from its file."""
    async with emulator_client(url) as orgo:
        result = await orgo.templates.validate(EXAMPLES / example)
    assert result.ok, result.errors


async def test_get_versions_list_and_delete(url: str) -> None:
    """A published version is listed, read back, then deleted and gone."""
    second = MINIMAL.replace("@1.0.0", "@1.1.0")
    async with emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL)
        await orgo.templates.publish(second)
        versions = await orgo.templates.versions("default", "my-template")
        assert [v.ref for v in versions] == [MINIMAL_REF, "default/my-template@1.1.0"]
        mine = await orgo.templates.list()
        assert {v.ref for v in mine} == {MINIMAL_REF, "default/my-template@1.1.0"}
        assert {v.ref for v in await orgo.templates.list("default")} == {v.ref for v in mine}
        got = await orgo.templates.get(TemplateRef.parse("my-template@1.1.0"))
        assert got.ref == "default/my-template@1.1.0"
        deleted = await orgo.templates.delete(MINIMAL_REF)
        assert deleted.deleted
        with pytest.raises(NotFoundError):
            await orgo.templates.get(MINIMAL_REF)


async def test_schema_is_the_format_json_schema(url: str) -> None:
    """schema() returns the orgo.ai/v1 JSON Schema document."""
    async with emulator_client(url) as orgo:
        schema = await orgo.templates.schema()
    assert schema["$id"] == "https://orgo.ai/schemas/template/orgo.ai-v1.json"
    assert schema["required"] == ["api_version", "template"]


async def test_curated_templates_and_their_versions(url: str) -> None:
    """curated() lists system templates; curated_versions() one template's history."""
    async with emulator_client(url) as orgo:
        curated = await orgo.templates.curated()
        history = await orgo.templates.curated_versions("system", "claude-code")
    assert "system/claude-code@1.0.0" in {v.ref for v in curated}
    assert [v.ref for v in history] == ["system/claude-code@1.0.0"]


async def test_test_run_and_stop(url: str) -> None:
    """A built version boots a preview, which stops by its desktop id."""
    async with emulator_client(url) as orgo:
        await orgo.templates.publish(MINIMAL, auto_build=True)
        await settle(orgo, MINIMAL_REF)
        run = await orgo.templates.test_run(MINIMAL_REF)
        assert run.desktop_id
        stopped = await orgo.templates.stop_test_run(run.desktop_id)
    assert stopped.stopped
    assert msgspec.structs.asdict(run).keys() >= {"id", "vnc_password", "public_host"}
