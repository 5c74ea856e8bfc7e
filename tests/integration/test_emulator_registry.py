"""The emulator's registry routes: publish, validate, get, list, versions, delete, curated."""

from __future__ import annotations

import hashlib

import msgspec
import pytest

from tests.integration.test_emulator_support import api, doc

T = "/templates"
SCHEMA_SHA256 = "619fbd1becd060a4c5c0de28c325f8e96b4f6cb456ef6c8f8cacdb0789932dd7"


async def test_publish_new_ref_answers_201_with_ref_digest_and_time(orgo_emulator: str) -> None:
    """A new ref is published with 201 and the documented PublishResult fields."""
    async with api() as s, s.post(orgo_emulator + T, data=doc("alpha")) as r:
        assert r.status == 201
        body = await r.json()
    assert body["ref"] == "default/alpha@1.0.0"
    assert len(body["digest"]) == 64
    assert body["published"].endswith("Z")
    assert "auto_build" not in body


async def test_publish_identical_content_is_idempotent(orgo_emulator: str) -> None:
    """Republishing identical content answers 200 with the very same body."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            first = await r.json()
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            assert r.status == 200
            assert await r.json() == first


SUGAR = """\
api_version: orgo.ai/v1
name: my-workstation@1.0.0
cpu: 2
ram: 4gb
display: 1280x800
env:
  NODE_ENV: production
files:
  /opt/welcome.txt: "hello"
on_first_boot: |
  echo "ready"
"""
CANONICAL = """\
api_version: orgo.ai/v1
template:
  name: my-workstation
  version: 1.0.0
hardware:
  cpu: 2
  ram_gb: 4
  resolution: 1280x800x24
env:
  NODE_ENV: production
files:
  - to: /opt/welcome.txt
    inline: "hello"
hooks:
  on_first_boot: |
    echo "ready"
"""


async def test_publish_sugar_and_canonical_forms_share_a_digest(orgo_emulator: str) -> None:
    """The documented sugar and canonical forms are one template: one digest (201, then 200)."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=SUGAR) as r:
            assert r.status == 201
            first = await r.json()
        async with s.post(orgo_emulator + T, data=CANONICAL) as r:
            assert r.status == 200
            assert (await r.json())["digest"] == first["digest"]


async def test_publish_different_content_conflicts_unless_forced(orgo_emulator: str) -> None:
    """Different content at a published ref is 409; with force=true it replaces it (201)."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            old = await r.json()
        changed = doc("alpha", cpu=4)
        async with s.post(orgo_emulator + T, data=changed) as r:
            assert r.status == 409
            body = await r.json()
            assert "force=true" in body["error"]
            assert body["request_id"] == r.headers["X-Request-Id"]
        async with s.post(orgo_emulator + T + "?force=true", data=changed) as r:
            assert r.status == 201
            assert (await r.json())["digest"] != old["digest"]
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert (await r.json())["template"]["hardware"]["cpu"] == 4


async def test_publish_accepts_the_json_envelope_with_a_namespace(orgo_emulator: str) -> None:
    """The field-observed JSON envelope publishes into the namespace it names."""
    document = {"api_version": "orgo.ai/v1", "template": {"name": "beta", "version": "2.0.0"}}
    envelope = {"namespace": "team-a", "name": "beta", "version": "2.0.0", "template": document}
    async with api() as s:
        async with s.post(orgo_emulator + T, json=envelope) as r:
            assert r.status == 201
            assert (await r.json())["ref"] == "team-a/beta@2.0.0"
        async with s.get(orgo_emulator + T, params={"namespace": "team-a"}) as r:
            assert [t["ref"] for t in (await r.json())["templates"]] == ["team-a/beta@2.0.0"]
        async with s.get(orgo_emulator + T, params={"namespace": "default"}) as r:
            assert (await r.json())["templates"] == []


@pytest.mark.parametrize(
    ("envelope", "field", "code"),
    [
        pytest.param({"namespace": "system"}, "namespace", "reserved_namespace", id="system"),
        pytest.param({"namespace": "Not_Kebab"}, "namespace", "pattern", id="bad-namespace"),
        pytest.param({"name": "other"}, "name", "mismatch", id="name-mismatch"),
        pytest.param({"version": "9.9.9"}, "version", "mismatch", id="version-mismatch"),
    ],
)
async def test_publish_envelope_problems_are_422(
    orgo_emulator: str, envelope: dict[str, str], field: str, code: str
) -> None:
    """An envelope whose fields are reserved, malformed or contradict the document is 422."""
    document = {"api_version": "orgo.ai/v1", "template": {"name": "beta", "version": "2.0.0"}}
    async with api() as s, s.post(orgo_emulator + T, json={**envelope, "template": document}) as r:
        assert r.status == 422
        errors = (await r.json())["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]


async def test_publish_invalid_document_is_422_with_every_error(orgo_emulator: str) -> None:
    """A document breaking the format gets 422 and an ``errors`` entry per problem."""
    bad = "api_version: orgo.ai/v1\nname: bad@1.0.0\nhardware: {cpu: 3, gpu: quantum}\n"
    async with api() as s, s.post(orgo_emulator + T, data=bad) as r:
        assert r.status == 422
        body = await r.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"hardware.cpu", "hardware.gpu"} <= fields
    assert body["request_id"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \n", id="blank"),
        pytest.param(b"api_version: [unclosed\n", id="bad-yaml"),
        pytest.param(b'{"api_version": ', id="bad-json"),
    ],
)
async def test_publish_empty_or_unparseable_body_is_400(orgo_emulator: str, body: bytes) -> None:
    """An empty or unparseable body is 400 with the error envelope."""
    async with api() as s, s.post(orgo_emulator + T, data=body) as r:
        assert r.status == 400
        payload = await r.json()
    assert payload["error"]
    assert payload["request_id"] == r.headers["X-Request-Id"]


async def test_publish_body_over_the_limit_is_413(orgo_emulator: str) -> None:
    """A body past the 1 MB limit is refused with 413 before it is parsed."""
    huge = doc("big") + "# " + "x" * 1_000_000 + "\n"
    async with api() as s, s.post(orgo_emulator + T, data=huge) as r:
        assert r.status == 413
        assert "limit" in (await r.json())["error"]


async def test_publish_bad_boolean_query_is_400(orgo_emulator: str) -> None:
    """``force=perhaps`` is not a boolean: 400, and nothing is published."""
    async with api() as s:
        async with s.post(orgo_emulator + T + "?force=perhaps", data=doc("alpha")) as r:
            assert r.status == 400
        async with s.get(orgo_emulator + T) as r:
            assert (await r.json())["templates"] == []


async def test_publish_a_bare_string_is_422_and_reads_no_file(orgo_emulator: str) -> None:
    """A body that parses to a string (even a file name) is a type error, never a path."""
    async with api() as s, s.post(orgo_emulator + T, data=b"/etc/hostname.yaml") as r:
        assert r.status == 422
        assert (await r.json())["errors"][0]["code"] == "type"


@pytest.mark.parametrize(
    "wrap",
    [pytest.param(False, id="raw"), pytest.param(True, id="wrapped")],
)
async def test_validate_valid_document_returns_normalized_template(
    orgo_emulator: str, wrap: bool
) -> None:
    """Validate answers 200 ok:true with the canonical document, raw or ``{"template": doc}``."""
    document = {"api_version": "orgo.ai/v1", "name": "gamma@1.0.0", "display": "1280x800"}
    body = {"template": document} if wrap else document
    async with api() as s, s.post(orgo_emulator + T + "/validate", json=body) as r:
        assert r.status == 200
        result = await r.json()
    assert result["ok"] is True
    assert result["template"]["template"] == {"name": "gamma", "version": "1.0.0"}
    assert result["template"]["hardware"]["resolution"] == "1280x800x24"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(
            b"api_version: orgo.ai/v1\nname: x@1.0.0\ncpu: 3\n", "invalid_enum", id="invalid"
        ),
        pytest.param(b"api_version: [\n", "syntax", id="syntax"),
    ],
)
async def test_validate_problems_answer_200_ok_false(
    orgo_emulator: str, body: bytes, code: str
) -> None:
    """An invalid or unparseable document is 200 ok:false with its problems; nothing is stored."""
    async with api() as s:
        async with s.post(orgo_emulator + T + "/validate", data=body) as r:
            assert r.status == 200
            result = await r.json()
        async with s.get(orgo_emulator + T) as r:
            assert (await r.json())["templates"] == []
    assert result["ok"] is False
    assert code in {e["code"] for e in result["errors"]}
    assert "template" not in result


async def test_get_returns_the_version_with_its_document(orgo_emulator: str) -> None:
    """GET of a published ref returns ref, digest, published and the canonical document."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            published = await r.json()
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 200
            got = await r.json()
    assert {k: got[k] for k in ("ref", "digest", "published")} == {
        k: published[k] for k in ("ref", "digest", "published")
    }
    assert got["template"]["api_version"] == "orgo.ai/v1"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/default/missing/1.0.0", 404, id="unknown-version"),
        pytest.param("/default/alpha/latest", 400, id="not-semver"),
        pytest.param("/Default/alpha/1.0.0", 400, id="bad-namespace"),
    ],
)
async def test_get_unknown_or_malformed_ref(orgo_emulator: str, path: str, status: int) -> None:
    """An unknown version is 404; a ref breaking the documented patterns is 400."""
    async with api() as s, s.get(orgo_emulator + T + path) as r:
        assert r.status == status
        assert (await r.json())["error"]


async def test_versions_are_listed_oldest_semver_first(orgo_emulator: str) -> None:
    """Versions come in semver order: pre-releases before their release, 1.10 after 1.9."""
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0", "1.9.0", "1.10.0"]
    async with api() as s:
        for version in ("1.10.0", "1.0.0", "1.9.0", "1.0.0-alpha.1", "1.0.0-alpha"):
            async with s.post(orgo_emulator + T, data=doc("multi", version)) as r:
                assert r.status == 201
        async with s.get(orgo_emulator + T + "/default/multi") as r:
            assert r.status == 200
            versions = (await r.json())["versions"]
    assert [v["ref"].split("@")[1] for v in versions] == order


async def test_versions_of_an_unknown_template_is_404(orgo_emulator: str) -> None:
    """Listing versions of a template that has none answers 404, not an empty list."""
    async with api() as s, s.get(orgo_emulator + T + "/default/nothing") as r:
        assert r.status == 404


async def test_list_leaves_curated_templates_out(orgo_emulator: str) -> None:
    """GET /templates lists own versions only; curated ones live under /templates/global."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            assert r.status == 201
        async with s.get(orgo_emulator + T) as r:
            refs = [t["ref"] for t in (await r.json())["templates"]]
    assert refs == ["default/alpha@1.0.0"]


async def test_curated_templates_are_listed_and_prebuilt(orgo_emulator: str) -> None:
    """The three documented curated templates are listed, resolvable, and already built."""
    expected = ["system/claude-code@1.0.0", "system/hermes-agent@1.0.0", "system/openclaw@1.0.0"]
    async with api() as s:
        async with s.get(orgo_emulator + T + "/global") as r:
            assert sorted(t["ref"] for t in (await r.json())["templates"]) == expected
        async with s.get(orgo_emulator + T + "/global/system/openclaw") as r:
            assert [v["ref"] for v in (await r.json())["versions"]] == ["system/openclaw@1.0.0"]
        async with s.get(orgo_emulator + T + "/global/default/openclaw") as r:
            assert r.status == 404
        async with s.get(orgo_emulator + T + "/system/claude-code/1.0.0/build") as r:
            info = await r.json()
    assert info["status"] == "ready"
    assert info["build_time_ms"] == 118_420


async def test_delete_removes_the_version(orgo_emulator: str) -> None:
    """Delete answers 200 deleted:true, after which the version is 404."""
    async with api() as s:
        async with s.post(orgo_emulator + T, data=doc("alpha")) as r:
            assert r.status == 201
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 200
            assert await r.json() == {"deleted": True}
        async with s.get(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 404
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 404


async def test_delete_curated_template_is_403(orgo_emulator: str) -> None:
    """Curated templates cannot be deleted: 403, and they stay."""
    async with api() as s:
        async with s.delete(orgo_emulator + T + "/system/claude-code/1.0.0") as r:
            assert r.status == 403
        async with s.get(orgo_emulator + T + "/system/claude-code/1.0.0") as r:
            assert r.status == 200


@pytest.mark.orgo_emulator(build_time=30)
async def test_delete_while_building_is_409(orgo_emulator: str) -> None:
    """A version whose build is in flight cannot be deleted until the build is cancelled."""
    async with api() as s:
        async with s.post(orgo_emulator + T + "?auto_build=true", data=doc("alpha")) as r:
            assert (await r.json())["auto_build"] == "building"
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 409
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0/build") as r:
            assert r.status == 202
        async with s.delete(orgo_emulator + T + "/default/alpha/1.0.0") as r:
            assert r.status == 200


async def test_template_schema_is_public_and_byte_exact(orgo_emulator: str) -> None:
    """GET /template-schema needs no key and serves the reference schema byte for byte."""
    async with api(None) as s, s.get(orgo_emulator + "/template-schema") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/schema+json")
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        body = await r.read()
    # The checksum the reference gives for its snapshot of the schema.
    assert hashlib.sha256(body).hexdigest() == SCHEMA_SHA256
    assert msgspec.json.decode(body)["title"] == "Orgo Template (orgo.ai/v1)"
