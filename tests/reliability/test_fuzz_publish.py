"""Fuzzing publish and validate: the client and the emulator agree on every mutated document.

A document the client finds invalid raises TemplateValidationError before any request
(nothing reaches the server, nothing is lost: the issues name every problem); one it
finds valid is accepted by the server's publish and validate alike. The emulator shares
the documents package with the client, so a disagreement means one side checks
something the other does not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, event, given, settings

from orgo_async._client import Orgo
from orgo_async.documents import validate_template
from orgo_async.emulator import policy
from orgo_async.errors import TemplateValidationError
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.reliability.mutations import mutated_examples
from tests.reliability.soak_support import read_stats

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def clients() -> AsyncIterator[tuple[Orgo, aiohttp.ClientSession, str]]:
    """A client of a fresh emulator, a control session, and the emulator's URL."""
    async with (
        run_emulator() as url,
        Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo,
        aiohttp.ClientSession() as control,
    ):
        yield orgo, control, url


async def _requests(control: aiohttp.ClientSession, url: str) -> int:
    stats = await read_stats(control, url)
    return sum(sum(by_status.values()) for by_status in stats.requests.values())


@FUZZ
@given(document=mutated_examples())
async def test_client_and_server_agree_on_a_mutated_document(
    clients: tuple[Orgo, aiohttp.ClientSession, str], document: Any
) -> None:
    """Invalid: refused locally with every issue, no request. Valid: the server agrees,
    flagging the same warnings, or refusing the ones docs/emulator.md says it refuses."""
    orgo, control, url = clients
    issues = validate_template(document)
    errors = [issue for issue in issues if issue.is_error]
    event("refused locally" if errors else "warned" if issues else "valid")
    before = await _requests(control, url)
    if errors:
        with pytest.raises(TemplateValidationError) as caught:
            await orgo.templates.publish(document, force=True)
        assert caught.value.issues == issues
        assert await _requests(control, url) == before
        return
    server_view = await orgo.templates.validate(document)
    if any(issue.code in policy.REFUSED_WARNINGS for issue in issues):
        assert not server_view.ok
        return
    assert server_view.ok, server_view.errors
    assert server_view.warnings == issues
    # force: mutations may reuse an example's name@version with other content.
    published = await orgo.templates.publish(document, force=True)
    assert (await orgo.templates.get(published.ref)).digest == published.digest
