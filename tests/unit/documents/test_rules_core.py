"""Format rules for the top level, identity, hardware, secrets, env, build and the small blocks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.documents.helpers import BASE, SECRETS, codes, doc

RULES = [
    # --- top level -----------------------------------------------------------------
    pytest.param(BASE, None, id="minimal-canonical-document"),
    pytest.param(
        {"template": BASE["template"]}, ("api_version", "required"), id="api-version-required"
    ),
    pytest.param(
        doc(api_version="orgo.ai/v2"), ("api_version", "invalid_enum"), id="api-version-enum"
    ),
    pytest.param({"api_version": "orgo.ai/v1"}, ("template", "required"), id="template-required"),
    pytest.param(doc(memory=4), ("memory", "unknown_field"), id="unknown-top-level-field"),
    pytest.param([BASE], ("", "type"), id="top-level-not-a-mapping"),
    # --- template (metadata) -------------------------------------------------------
    pytest.param(
        doc(template={"name": "Demo", "version": "1.0.0"}),
        ("template.name", "pattern"),
        id="name-kebab-case",
    ),
    pytest.param(doc(template={"name": "a", "version": "1.0.0"}), None, id="name-single-char"),
    pytest.param(doc(template={"name": "a" * 64, "version": "1.0.0"}), None, id="name-64-chars"),
    pytest.param(
        doc(template={"name": "a" * 65, "version": "1.0.0"}),
        ("template.name", "pattern"),
        id="name-65-chars",
    ),
    pytest.param(
        doc(template={"name": "demo-", "version": "1.0.0"}),
        ("template.name", "pattern"),
        id="name-trailing-dash",
    ),
    pytest.param(
        doc(template={"name": "demo\n", "version": "1.0.0"}),
        ("template.name", "pattern"),
        id="name-trailing-newline",
    ),
    pytest.param(
        doc(template={"name": "demo"}), ("template.version", "required"), id="version-required"
    ),
    pytest.param(
        doc(template={"name": "demo", "version": "1.0"}),
        ("template.version", "pattern"),
        id="version-semver",
    ),
    pytest.param(
        doc(template={"name": "demo", "version": "\uff11.0.0"}),
        ("template.version", "pattern"),
        id="version-full-width-digit",
    ),
    pytest.param(
        doc(template={"name": "demo", "version": "1.0.0-rc.1+b5"}),
        None,
        id="version-prerelease-build",
    ),
    pytest.param(
        doc(template={"name": "demo", "version": 1.0}),
        ("template.version", "type"),
        id="version-float",
    ),
    pytest.param(
        doc(template={**BASE["template"], "publisher": "Acme"}),
        ("template.publisher", "pattern"),
        id="publisher-kebab",
    ),
    pytest.param(
        doc(template={**BASE["template"], "homepage": "ftp://x"}),
        ("template.homepage", "format", "warning"),
        id="homepage-http",
    ),
    pytest.param(
        doc(
            template={
                **BASE["template"],
                "homepage": "https://orgo.ai",
                "source": "https://github.com/x/y",
                "license": "MIT",
                "integrity": "sha256-x",
                "description": "d",
            }
        ),
        None,
        id="metadata-all-fields",
    ),
    pytest.param(
        doc(template={**BASE["template"], "author": "me"}),
        ("template.author", "unknown_field"),
        id="metadata-closed",
    ),
    # --- hardware ------------------------------------------------------------------
    pytest.param(doc(hardware={"cpu": 3}), ("hardware.cpu", "invalid_enum"), id="cpu-enum"),
    pytest.param(
        doc(hardware={"cpu": 0.5}),
        ("hardware.cpu", "invalid_enum", "warning"),
        id="cpu-fractional-schema-only",
    ),
    pytest.param(doc(hardware={"cpu": 16}), None, id="cpu-16"),
    pytest.param(doc(hardware={"cpu": 2.0}), None, id="cpu-whole-float"),
    pytest.param(doc(hardware={"cpu": True}), ("hardware.cpu", "type"), id="cpu-bool"),
    pytest.param(doc(hardware={"cpu": "2"}), ("hardware.cpu", "type"), id="cpu-string"),
    pytest.param(doc(hardware={"cpu": float("nan")}), ("hardware.cpu", "type"), id="cpu-nan"),
    pytest.param(
        doc(hardware={"ram_gb": 5}), ("hardware.ram_gb", "invalid_enum"), id="ram-gb-enum"
    ),
    pytest.param(doc(hardware={"disk_gb": 0}), ("hardware.disk_gb", "range"), id="disk-minimum"),
    pytest.param(
        doc(hardware={"disk_gb": 10.0}),
        ("hardware.disk_gb", "type", "warning"),
        id="disk-whole-float",
    ),
    pytest.param(doc(hardware={"disk_gb": 10.5}), ("hardware.disk_gb", "type"), id="disk-integer"),
    pytest.param(doc(hardware={"gpu": "rtx"}), ("hardware.gpu", "invalid_enum"), id="gpu-enum"),
    pytest.param(doc(hardware={"gpu": "a100-80", "gpu_count": 2}), None, id="gpu-valid"),
    pytest.param(
        doc(hardware={"gpu_count": -1}), ("hardware.gpu_count", "range"), id="gpu-count-minimum"
    ),
    pytest.param(
        doc(hardware={"bandwidth_mbps": -1}),
        ("hardware.bandwidth_mbps", "range"),
        id="bandwidth-minimum",
    ),
    pytest.param(
        doc(hardware={"resolution": "1280x720"}),
        ("hardware.resolution", "pattern"),
        id="resolution-needs-depth",
    ),
    pytest.param(
        doc(hardware={"auto_stop_minutes": 1441}),
        ("hardware.auto_stop_minutes", "range"),
        id="auto-stop-maximum",
    ),
    pytest.param(doc(hardware={"auto_stop_minutes": 0}), None, id="auto-stop-zero"),
    pytest.param(
        doc(hardware={"region": "eu"}), ("hardware.region", "invalid_enum"), id="region-enum"
    ),
    pytest.param(doc(hardware={"os": "windows"}), ("hardware.os", "invalid_enum"), id="os-enum"),
    pytest.param(doc(hardware={"audio": "yes"}), ("hardware.audio", "type"), id="audio-bool"),
    pytest.param(
        doc(hardware={"cores": 2}), ("hardware.cores", "unknown_field"), id="hardware-closed"
    ),
    # --- secrets -------------------------------------------------------------------
    pytest.param(
        doc(secrets=[{"name": "Api"}]), ("secrets[0].name", "pattern"), id="secret-name-pattern"
    ),
    pytest.param(
        doc(secrets=[{"name": "api_key"}, {"name": "api_key"}]),
        ("secrets[1].name", "duplicate", "warning"),
        id="secret-duplicate",
    ),
    pytest.param(
        doc(secrets=[{"name": f"s{i}"} for i in range(65)]),
        ("secrets", "too_many_items"),
        id="secrets-max-64",
    ),
    pytest.param(
        doc(secrets=[{"name": "k", "optional": "no"}]),
        ("secrets[0].optional", "type"),
        id="secret-optional-bool",
    ),
    pytest.param(
        doc(secrets=[{"name": "k", "docs_url": "docs"}]),
        ("secrets[0].docs_url", "format", "warning"),
        id="secret-docs-url",
    ),
    pytest.param(
        doc(secrets=[{"description": "x"}]),
        ("secrets[0].name", "required"),
        id="secret-name-required",
    ),
    # --- env and vars --------------------------------------------------------------
    pytest.param(doc(env={"node_env": "x"}), ("env.node_env", "pattern"), id="env-key-upper-snake"),
    pytest.param(doc(env={"PORT": 8080}), ("env.PORT", "type"), id="env-value-number"),
    pytest.param(
        doc(env={"KEY": {"secret": "api_key"}}),
        ("env.KEY.secret", "undeclared_secret", "warning"),
        id="env-secret-undeclared",
    ),
    pytest.param(
        doc(secrets=SECRETS, env={"KEY": {"secret": "api_key"}}), None, id="env-secret-declared"
    ),
    pytest.param(
        doc(secrets=SECRETS, env={"KEY": {"secret": "api_key", "x": 1}}),
        ("env.KEY.x", "unknown_field"),
        id="env-secret-closed",
    ),
    pytest.param(doc(env={"KEY": {}}), ("env.KEY.secret", "required"), id="env-secret-needs-name"),
    pytest.param(doc(vars={"x": 1}), ("vars.x", "type"), id="vars-string-values"),
    # --- build ---------------------------------------------------------------------
    pytest.param(
        doc(build={"apt": ["ffmpeg"], "pip": ["httpx"], "npm": ["pnpm"], "run": ["true"]}),
        None,
        id="build-valid",
    ),
    pytest.param(
        doc(build={"run": ["true"] * 65}), ("build.run", "too_many_items"), id="build-run-max-64"
    ),
    pytest.param(doc(build={"apt": "ffmpeg"}), ("build.apt", "type"), id="build-apt-list"),
    pytest.param(doc(build={"brew": []}), ("build.brew", "unknown_field"), id="build-closed"),
    # --- streaming, terminal, hooks, telemetry, egress -------------------------------
    pytest.param(
        doc(streaming=[{"name": "s", "url": "http://x", "key": "k"}]),
        ("streaming[0].url", "pattern"),
        id="stream-url-rtmp",
    ),
    pytest.param(
        doc(streaming=[{"name": "s", "url": "rtmps://x/live", "key": {"secret": "api_key"}}]),
        ("streaming[0].key.secret", "undeclared_secret", "warning"),
        id="stream-key-secret-declared",
    ),
    pytest.param(
        doc(streaming=[{"name": "s", "url": "rtmp://x"}]),
        ("streaming[0].key", "required"),
        id="stream-key-required",
    ),
    pytest.param(
        doc(streaming=[{"name": f"s{i}", "url": "rtmp://x", "key": "k"} for i in range(17)]),
        ("streaming", "too_many_items"),
        id="streaming-max-16",
    ),
    pytest.param(
        doc(terminal=[{"name": "a"}, {"name": "a"}]),
        ("terminal[1].name", "duplicate"),
        id="terminal-duplicate",
    ),
    pytest.param(
        doc(terminal=[{"name": f"t{i}"} for i in range(33)]),
        ("terminal", "too_many_items"),
        id="terminal-max-32",
    ),
    pytest.param(
        doc(terminal=[{"cwd": "/root"}]),
        ("terminal[0].name", "required"),
        id="terminal-name-required",
    ),
    pytest.param(
        doc(hooks={"on_boot": "x"}), ("hooks.on_boot", "unknown_field"), id="hooks-closed"
    ),
    pytest.param(doc(hooks={"on_resume": 1}), ("hooks.on_resume", "type"), id="hook-string"),
    pytest.param(
        doc(telemetry={"metrics": True, "logs": "/var/log/x"}),
        ("telemetry.logs", "type"),
        id="telemetry-logs-list",
    ),
    pytest.param(
        doc(egress_policy={"mode": "allow"}),
        ("egress_policy.rules", "required"),
        id="egress-rules-required",
    ),
    pytest.param(
        doc(egress_policy={"mode": "deny", "rules": []}),
        ("egress_policy.mode", "invalid_enum"),
        id="egress-mode-enum",
    ),
    # --- null is not absent -----------------------------------------------------------
    pytest.param(
        doc(template={**BASE["template"], "description": None}),
        ("template.description", "type"),
        id="null-is-a-type-error",
    ),
]


@pytest.mark.parametrize(("document", "expected"), RULES)
def test_format_rule(document: Any, expected: tuple[str, ...] | None) -> None:
    """Each rule gives exactly its one issue when broken, and none when kept."""
    assert codes(document) == ({expected} if expected else set())
