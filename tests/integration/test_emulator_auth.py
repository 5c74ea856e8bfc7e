"""Auth, plans and request ids: 401 without or with a wrong key, 403 for the free plan."""

from __future__ import annotations

import uuid

import pytest

from orgo_async.testing import EMULATOR_FREE_PLAN_KEY
from tests.integration.test_emulator_support import api, doc

V = "/templates/system/claude-code/1.0.0"
RUN = {"ref": "system/claude-code@1.0.0"}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param(None, "Missing API key.", id="missing"),
        pytest.param("", "Missing API key.", id="empty"),
        pytest.param("sk_live_wrong", "Invalid API key.", id="wrong"),
    ],
)
async def test_requests_without_a_valid_key_are_401(
    orgo_emulator: str, key: str | None, message: str
) -> None:
    """No key or a wrong one gets 401 with the documented message and a request id."""
    async with api(key) as s, s.get(orgo_emulator + "/templates") as r:
        assert r.status == 401
        body = await r.json()
    assert body == {"error": message, "request_id": r.headers["X-Request-Id"]}
    assert r.headers["WWW-Authenticate"] == "Bearer"


async def test_a_non_bearer_scheme_is_missing_key(orgo_emulator: str) -> None:
    """Basic auth is not a Bearer key: 401 Missing API key."""
    async with api(None) as s:
        headers = {"Authorization": "Basic dXNlcjpwYXNz"}
        async with s.get(orgo_emulator + "/templates", headers=headers) as r:
            assert r.status == 401
            assert (await r.json())["error"] == "Missing API key."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/templates", doc("alpha"), id="publish"),
        pytest.param("POST", V + "/build", None, id="build"),
        pytest.param("DELETE", V + "/build", None, id="cancel"),
        pytest.param("POST", "/templates/run", RUN, id="test-run"),
        pytest.param("DELETE", "/templates/run?id=dsk_1", None, id="stop-run"),
    ],
)
async def test_the_free_plan_key_gets_403_on_writes(
    orgo_emulator: str, method: str, path: str, body: object
) -> None:
    """A key whose plan has no templates gets 403 on publish, build, cancel and test-run."""
    kwargs: dict[str, object] = {"json": body} if isinstance(body, dict) else {"data": body}
    async with (
        api(EMULATOR_FREE_PLAN_KEY) as s,
        s.request(method, orgo_emulator + path, **kwargs) as r,
    ):
        assert r.status == 403
        assert "Scale" in (await r.json())["error"]
    async with api(EMULATOR_FREE_PLAN_KEY) as s, s.get(orgo_emulator + "/templates") as r:
        assert (await r.json())["templates"] == []  # nothing was published


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/templates", id="list"),
        pytest.param("/templates/global", id="curated"),
        pytest.param(V, id="get"),
        pytest.param(V + "/build", id="status"),
    ],
)
async def test_the_free_plan_key_may_read(orgo_emulator: str, path: str) -> None:
    """Reads need only a valid key: the free-plan key gets 200."""
    async with api(EMULATOR_FREE_PLAN_KEY) as s, s.get(orgo_emulator + path) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/templates", 200, id="ok"),
        pytest.param("GET", "/templates/default/x/1.0.0", 404, id="not-found"),
        pytest.param("GET", "/no/such/route", 404, id="no-route"),
        pytest.param("PUT", "/templates", 405, id="bad-method"),
        pytest.param("GET", "/template-schema", 200, id="public"),
        pytest.param("GET", V + "/build/events", 200, id="stream"),
    ],
)
async def test_every_response_carries_a_request_id(
    orgo_emulator: str, method: str, path: str, status: int
) -> None:
    """Every response, errors and streams included, has a fresh X-Request-Id."""
    async with api() as s, s.request(method, orgo_emulator + path) as r:
        assert r.status == status
        request_id = r.headers["X-Request-Id"]
        if status >= 400:
            assert (await r.json())["request_id"] == request_id
        else:
            await r.read()
    assert uuid.UUID(request_id)
