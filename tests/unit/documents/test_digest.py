"""The content digest: what keeps it and what changes it."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import msgspec
import pytest

from orgo_async.documents import Build, load_template, template_digest
from orgo_async.errors import TemplateSyntaxError, TemplateValidationError
from tests.unit.documents.helpers import DATA, EXAMPLES

REFERENCE: dict[str, Any] = {
    "api_version": "orgo.ai/v1",
    "template": {"name": "demo", "version": "1.0.0", "description": "A demo."},
    "hardware": {"cpu": 2, "ram_gb": 4, "resolution": "1280x720x24"},
    "secrets": [{"name": "api_key"}],
    "vars": {"greeting": "hello"},
    "env": {"MODE": "prod", "KEY": {"secret": "api_key"}},
    "build": {"apt": ["ffmpeg", "ripgrep"]},
    "files": [{"to": "/srv/a.txt", "inline": "${var.greeting}\n", "mode": "0644"}],
    "apps": [
        {
            "name": "web",
            "services": [{"name": "web", "run": "python -m http.server 8000"}],
            "ports": [{"internal": 8000}],
            "health": {"type": "tcp", "port": 8000},
        }
    ],
    "triggers": [
        {
            "name": "tick",
            "source": {"type": "cron", "schedule": "*/5 * * * *"},
            "actions": [{"type": "log", "message": "tick"}],
        }
    ],
    "hooks": {"on_first_boot": "echo ready\n"},
}
DIGEST = template_digest(REFERENCE)


def changed(**edits: Any) -> dict[str, Any]:
    """A deep copy of REFERENCE with dotted-path edits applied (``None`` deletes)."""
    document = copy.deepcopy(REFERENCE)
    for dotted, value in edits.items():
        *parents, last = dotted.split("__")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return document


def test_digest_is_64_lowercase_hex() -> None:
    """A digest is a SHA-256 in 64 lowercase hex characters."""
    assert re.fullmatch(r"[0-9a-f]{64}", DIGEST)


def test_minimal_digest_matches_the_documented_algorithm() -> None:
    """The minimal example hashes exactly the bytes docs/documents.md describes."""
    content = (
        b'{"api_version":"orgo.ai/v1","hardware":{"audio":false,"cpu":2,'
        b'"os":"linux","ram_gb":4,"resolution":"1280x800x24"}}'
    )
    assert (
        template_digest(load_template(DATA / "minimal.yaml")) == hashlib.sha256(content).hexdigest()
    )


def test_sugar_and_canonical_share_a_digest() -> None:
    """The documented sugar and canonical forms have the same digest."""
    sugar = load_template(DATA / "schema-two-forms-sugar.yaml")
    canonical = load_template(DATA / "schema-two-forms-canonical.yaml")
    assert template_digest(sugar) == template_digest(canonical)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_digest_of_template_and_of_mapping_agree(path: Any) -> None:
    """template_digest gives the same answer for a Template and for its canonical dict."""
    template = load_template(path)
    assert template_digest(template) == template_digest(template.to_dict())


SAME = [
    pytest.param(changed(template={"name": "other", "version": "9.9.9"}), id="name-and-version"),
    pytest.param(changed(template__description="Something else."), id="description"),
    pytest.param(
        changed(
            template={
                "name": "demo",
                "version": "1.0.0",
                "publisher": "acme",
                "license": "MIT",
                "homepage": "https://acme.dev",
                "source": "https://github.com/acme/demo",
                "integrity": "x",
            }
        ),
        id="provenance",
    ),
    pytest.param(changed(hardware__cpu=2.0), id="cpu-2.0"),
    pytest.param(
        changed(
            hardware={
                "cpu": 2,
                "ram_gb": 4,
                "resolution": "1280x720x24",
                "os": "linux",
                "audio": False,
            }
        ),
        id="hardware-defaults",
    ),
    pytest.param(
        changed(secrets=[{"name": "api_key", "optional": False}]), id="secret-optional-default"
    ),
    pytest.param(
        changed(
            files=[
                {"to": "/srv/a.txt", "inline": "${var.greeting}\n", "mode": "0644", "when": "build"}
            ]
        ),
        id="file-when-default",
    ),
    pytest.param(
        changed(files=[{"to": "/srv/a.txt", "inline": "hello\n", "mode": "0644"}], vars=None),
        id="interpolated-by-hand",
    ),
    pytest.param(changed(vars={"greeting": "hello", "unused": "x"}), id="unused-var"),
    pytest.param(
        changed(
            apps__0__services=[
                {
                    "name": "web",
                    "run": "python -m http.server 8000",
                    "restart": "always",
                    "user": "orgo",
                }
            ]
        ),
        id="service-defaults",
    ),
    pytest.param(
        changed(apps__0__ports=[{"internal": 8000, "public": False}]), id="port-public-default"
    ),
    pytest.param(
        changed(
            apps__0__health={
                "type": "tcp",
                "port": 8000,
                "every": "30s",
                "timeout": "5s",
                "retries": 3,
            }
        ),
        id="health-defaults",
    ),
    pytest.param(changed(triggers__0__enabled=True), id="trigger-enabled-default"),
    pytest.param(
        changed(build={"apt": ["ffmpeg", "ripgrep"], "pip": []}, terminal=[], telemetry={}),
        id="empty-collections",
    ),
    pytest.param(dict(reversed(list(REFERENCE.items()))), id="key-order"),
]


@pytest.mark.parametrize("document", SAME)
def test_digest_keeps(document: dict[str, Any]) -> None:
    """Identity, written defaults, hand interpolation, empties and key order keep the digest."""
    assert template_digest(document) == DIGEST


DIFFERENT = [
    pytest.param(changed(hardware__cpu=4), id="cpu"),
    pytest.param(changed(hardware__ram_gb=8), id="ram"),
    pytest.param(changed(hardware__resolution=None), id="resolution-removed"),
    pytest.param(changed(hardware__audio=True), id="audio"),
    pytest.param(changed(build={"apt": ["ripgrep", "ffmpeg"]}), id="package-order"),
    pytest.param(changed(build={"apt": ["ffmpeg", "ripgrep", "jq"]}), id="package-added"),
    pytest.param(changed(vars={"greeting": "hi"}), id="used-var-value"),
    pytest.param(
        changed(files__0={"to": "/srv/a.txt", "inline": "${var.greeting}", "mode": "0644"}),
        id="trailing-newline",
    ),
    pytest.param(
        changed(files__0={"to": "/srv/a.txt", "inline": "${var.greeting}\n", "mode": "0600"}),
        id="file-mode",
    ),
    pytest.param(
        changed(files__0={"to": "/srv/b.txt", "inline": "${var.greeting}\n", "mode": "0644"}),
        id="file-destination",
    ),
    pytest.param(
        changed(
            files__0={
                "to": "/srv/a.txt",
                "inline": "${var.greeting}\n",
                "mode": "0644",
                "when": "runtime",
            }
        ),
        id="file-when",
    ),
    pytest.param(changed(env__MODE="dev"), id="env-value"),
    pytest.param(changed(secrets=[{"name": "api_key"}, {"name": "other"}]), id="secret-declared"),
    pytest.param(changed(secrets=[{"name": "api_key", "optional": True}]), id="secret-optional"),
    pytest.param(
        changed(
            apps__0__services=[
                {"name": "web", "run": "python -m http.server 8000", "restart": "no"}
            ]
        ),
        id="service-restart",
    ),
    pytest.param(changed(triggers__0__enabled=False), id="trigger-disabled"),
    pytest.param(
        changed(hooks={"on_first_boot": "echo ready\n", "on_resume": "true"}), id="hook-added"
    ),
]


@pytest.mark.parametrize("document", DIFFERENT)
def test_digest_changes(document: dict[str, Any]) -> None:
    """Any change to what the computer is built from changes the digest."""
    assert template_digest(document) != DIGEST


def test_digest_of_invalid_mapping_raises() -> None:
    """A mapping that is not a valid template cannot be digested."""
    with pytest.raises(TemplateValidationError):
        template_digest(changed(hardware__cpu=3))


def test_a_hand_built_template_with_a_lone_surrogate_raises_a_template_error() -> None:
    """Text that is not Unicode, put into a Template by hand, gives TemplateSyntaxError."""
    template = load_template("api_version: orgo.ai/v1\nname: e@1.0.0\n")
    broken = msgspec.structs.replace(template, build=Build(apt=["\ud800"]))
    with pytest.raises(TemplateSyntaxError, match="not Unicode"):
        template_digest(broken)
