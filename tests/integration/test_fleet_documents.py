"""What a fleet publishes: documents as written, and with ``validate=False`` unchecked."""

from __future__ import annotations

import pytest

from orgo_async.errors import TemplateValidationError
from orgo_async.fleet import BuildFleet
from orgo_async.testing import run_emulator
from tests.integration._emulator_client import emulator_client, requests_to

GOOD = "api_version: orgo.ai/v1\nname: fleet-doc@1.0.0\ncpu: 2\n"
# A clash of sugar and canonical keys: a warning here, refused (422) by the emulator.
CLASH = "api_version: orgo.ai/v1\nname: fleet-clash@1.0.0\ncpu: 2\nhardware: {cpu: 4}\n"
# An error by the documented rules: never sent unless the pre-check is off.
BAD = "api_version: orgo.ai/v1\nname: fleet-bad@1.0.0\ncpu: 3\n"


async def test_validate_false_skips_the_check_and_leaves_the_verdict_to_the_server() -> None:
    """Unchecked documents are queued and published as written; the server's 422 fails one."""
    async with run_emulator() as url, emulator_client(url) as orgo:
        async with BuildFleet(orgo) as fleet:
            with pytest.raises(TemplateValidationError):
                await fleet.submit(BAD)
            good = await fleet.submit(GOOD, validate=False)
            bad = await fleet.submit(BAD, validate=False)
            report = await fleet.wait()
        published = await requests_to(url, "POST /templates")
    assert good.ref == "default/fleet-doc@1.0.0"
    assert good.outcome is not None
    assert good.outcome.status == "ready"
    assert bad.outcome is not None
    assert (bad.outcome.status, bad.outcome.error_type) == ("failed", "UnprocessableEntityError")
    assert published == {"201": 1, "422": 1}
    assert report.totals.submitted == 2


async def test_a_document_with_warnings_is_queued_and_sent_as_written() -> None:
    """Local warnings never stop a submit: the emulator, stricter here, refuses the clash."""
    async with run_emulator() as url, emulator_client(url) as orgo, BuildFleet(orgo) as fleet:
        handle = await fleet.submit(CLASH)
        await fleet.wait()
    assert handle.outcome is not None
    assert (handle.outcome.status, handle.outcome.error_type) == (
        "failed",
        "UnprocessableEntityError",
    )
