"""Contract fuzzing: schemathesis drives every operation of the emulator's OpenAPI document.

The emulator serves ``{base}/openapi.json``; schemathesis generates requests from it
(valid and invalid, with the API key) and checks each answer: never a 5xx, a status,
content type, headers and body that the document declares for that operation. Whatever
those requests got stored, every stored document then fits the schema the emulator serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final
from urllib.request import Request, urlopen

import anyio.from_thread
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from orgo_async.testing import EMULATOR_API_KEY, run_emulator

EXAMPLES_PER_OPERATION: Final = 30
AUTH: Final = {"Authorization": f"Bearer {EMULATOR_API_KEY}"}
OPERATIONS: Final = [
    "GET /template-schema",
    "GET /templates",
    "POST /templates",
    "POST /templates/validate",
    "GET /templates/global",
    "GET /templates/global/{namespace}/{name}",
    "POST /templates/run",
    "DELETE /templates/run",
    "GET /templates/{namespace}/{name}",
    "GET /templates/{namespace}/{name}/{version}",
    "DELETE /templates/{namespace}/{name}/{version}",
    "POST /templates/{namespace}/{name}/{version}/build",
    "GET /templates/{namespace}/{name}/{version}/build",
    "DELETE /templates/{namespace}/{name}/{version}/build",
    "GET /templates/{namespace}/{name}/{version}/build/events",
]

# JSON Schema cannot state every rule of the format (references between fields, ports in
# use, ...), and a YAML body is declared as text: a schema-valid document may rightly get
# 422, so "schema-valid data is accepted" does not hold for this API.
EXCLUDED_CHECKS: Final = [checks.positive_data_acceptance]


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """An emulator on its own event loop in a thread, so schemathesis can call it blocking."""
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(run_emulator(build_time=0.0)) as url,
    ):
        yield url


@pytest.fixture(scope="module")
def schema(emulator: str) -> Any:
    """The emulator's own OpenAPI document, loaded by schemathesis."""
    document = msgspec.json.decode(_get(f"{emulator}/openapi.json"))
    assert document["openapi"].startswith("3.")
    return schemathesis.openapi.from_dict(document)


def _get(url: str, headers: dict[str, str] | None = None) -> bytes:
    """GET ``url`` from this thread, blocking (the emulator's loop runs in another)."""
    with urlopen(Request(url, headers=headers or {}), timeout=10) as response:
        body: bytes = response.read()
    return body


def test_the_document_describes_every_operation(schema: Any) -> None:
    """The OpenAPI document lists each operation the API documents, and no other."""
    labels = sorted(
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    )
    assert labels == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_answer_conforms_to_the_document(emulator: str, schema: Any, label: str) -> None:
    """Generated requests never get a 5xx, and every answer matches its declared schema."""
    method, path = label.split(" ", 1)
    operation = schema[path][method]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), with_key=st.booleans())
    def check(case: Any, with_key: bool) -> None:
        case.call_and_validate(
            base_url=emulator,
            headers=AUTH if with_key else {},
            timeout=10,
            excluded_checks=EXCLUDED_CHECKS,
        )

    check()


def test_every_stored_document_fits_the_schema_the_emulator_serves(emulator: str) -> None:
    """After the runs above (and each documented example), what get returns fits the schema."""
    from jsonschema import Draft202012Validator

    from tests.documented_examples import DOCUMENTED

    for text in DOCUMENTED.values():
        request = Request(
            f"{emulator}/templates?force=true",
            data=text.encode(),
            headers={**AUTH, "Content-Type": "application/yaml"},
        )
        with urlopen(request, timeout=10) as response:
            assert response.status == 201
    schema = Draft202012Validator(msgspec.json.decode(_get(f"{emulator}/template-schema")))
    listed = msgspec.json.decode(_get(f"{emulator}/templates", AUTH))["templates"]
    assert listed
    for item in listed:
        path = item["ref"].replace("@", "/")
        stored = msgspec.json.decode(_get(f"{emulator}/templates/{path}", AUTH))["template"]
        assert list(schema.iter_errors(stored)) == [], item["ref"]
