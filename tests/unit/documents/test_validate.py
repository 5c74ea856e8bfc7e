"""Every documented rule of the orgo.ai/v1 format, good and bad, one table row each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from orgo_async.documents import ISSUE_CODES, load_template, validate_template
from orgo_async.errors import TemplateValidationError
from orgo_async.models import ValidationIssue
from tests.unit.documents.helpers import BASE, EXAMPLES, app, codes, doc, trigger

SECRETS = [{"name": "api_key"}]
NGINX = app("nginx", services=[{"name": "nginx", "run": "nginx"}])


def files(*entries: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return doc(files=list(entries), **extra)


def apps(*entries: dict[str, Any]) -> dict[str, Any]:
    return doc(apps=list(entries))


def triggers(*entries: dict[str, Any]) -> dict[str, Any]:
    return doc(apps=[NGINX], triggers=list(entries))


CRON = {"type": "cron", "schedule": "*/5 * * * *"}

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
        ("template.homepage", "format"),
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
    pytest.param(doc(hardware={"cpu": 0.5}), None, id="cpu-fractional"),
    pytest.param(doc(hardware={"cpu": 16}), None, id="cpu-16"),
    pytest.param(doc(hardware={"cpu": 2.0}), None, id="cpu-whole-float"),
    pytest.param(doc(hardware={"cpu": True}), ("hardware.cpu", "type"), id="cpu-bool"),
    pytest.param(doc(hardware={"cpu": "2"}), ("hardware.cpu", "type"), id="cpu-string"),
    pytest.param(doc(hardware={"cpu": float("nan")}), ("hardware.cpu", "type"), id="cpu-nan"),
    pytest.param(
        doc(hardware={"ram_gb": 5}), ("hardware.ram_gb", "invalid_enum"), id="ram-gb-enum"
    ),
    pytest.param(doc(hardware={"disk_gb": 0}), ("hardware.disk_gb", "range"), id="disk-minimum"),
    pytest.param(doc(hardware={"disk_gb": 10.0}), ("hardware.disk_gb", "type"), id="disk-integer"),
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
        ("secrets[1].name", "duplicate"),
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
        ("secrets[0].docs_url", "format"),
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
        ("env.KEY.secret", "undeclared_secret"),
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
    # --- files ---------------------------------------------------------------------
    pytest.param(
        files({"to": "/srv/a", "inline": "x", "from": "https://x"}),
        ("files[0]", "exactly_one_of"),
        id="file-both-sources",
    ),
    pytest.param(files({"to": "/srv/a"}), ("files[0]", "exactly_one_of"), id="file-no-source"),
    pytest.param(files({"inline": "x"}), ("files[0].to", "required"), id="file-to-required"),
    pytest.param(
        files({"to": "srv/a", "inline": "x"}), ("files[0].to", "format"), id="file-to-absolute"
    ),
    pytest.param(
        files({"to": "/srv/../etc/passwd", "inline": "x"}),
        ("files[0].to", "format"),
        id="file-to-dotdot",
    ),
    pytest.param(
        files({"to": "~/../etc/x", "inline": "x"}), ("files[0].to", "format"), id="file-home-dotdot"
    ),
    pytest.param(files({"to": "~/notes.txt", "inline": "x"}), None, id="file-to-home"),
    pytest.param(files({"to": "/opt/site/index.html", "inline": "x"}), None, id="file-opt-allowed"),
    pytest.param(
        files({"to": "/tmpfiles/x", "inline": "x"}), None, id="file-reserved-whole-segments"
    ),
    pytest.param(
        files({"to": "/proc/x", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-proc",
    ),
    pytest.param(
        files({"to": "/tmp", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-tmp-itself",
    ),
    pytest.param(
        files({"to": "//etc/./orgo/x", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-normalized",
    ),
    pytest.param(
        files({"to": "/etc/supervisor/conf.d/x", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-supervisor",
    ),
    pytest.param(
        files({"to": "/opt/orgo/bin/agent", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-orgo-binaries",
    ),
    pytest.param(
        files({"to": "/usr/local/sbin/x", "inline": "x"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-sbin",
    ),
    pytest.param(
        files({"to": "/", "inline": "x"}), ("files[0].to", "reserved_path"), id="file-root"
    ),
    pytest.param(
        files({"to": "${var.dir}/x", "inline": "x"}, vars={"dir": "/proc"}),
        ("files[0].to", "reserved_path"),
        id="file-reserved-after-interpolation",
    ),
    pytest.param(
        files({"to": "${var.dir}/x", "inline": "x"}, vars={"dir": "/srv"}),
        None,
        id="file-to-from-var",
    ),
    pytest.param(
        files({"to": "/srv/a", "inline": "x", "mode": 644}),
        ("files[0].mode", "type"),
        id="file-mode-quoted",
    ),
    pytest.param(
        files({"to": "/srv/a", "inline": "x", "mode": "0999"}),
        ("files[0].mode", "pattern"),
        id="file-mode-octal",
    ),
    pytest.param(
        files(
            {
                "to": "/srv/a",
                "inline": "x",
                "mode": "0755",
                "owner": "root",
                "group": "root",
                "when": "runtime",
            }
        ),
        None,
        id="file-all-fields",
    ),
    pytest.param(
        files({"to": "/srv/a", "inline": "x", "when": "boot"}),
        ("files[0].when", "invalid_enum"),
        id="file-when-enum",
    ),
    pytest.param(
        files({"to": "/srv/a", "from": "ftp://x/y"}),
        ("files[0].from", "format"),
        id="file-from-scheme",
    ),
    pytest.param(files({"to": "/srv/a", "from": "s3://bucket/key"}), None, id="file-from-s3"),
    pytest.param(
        files({"to": "/srv/a", "from": "secret://api_key"}),
        ("files[0].from", "undeclared_secret"),
        id="file-from-undeclared-secret",
    ),
    pytest.param(
        files({"to": "/srv/a", "from": "secret://api_key"}, secrets=SECRETS),
        None,
        id="file-from-secret",
    ),
    pytest.param(
        files(*[{"to": f"/srv/{i}", "inline": ""} for i in range(257)]),
        ("files", "too_many_items"),
        id="files-max-256",
    ),
    pytest.param(
        files({"to": "/srv/a", "inline": "x", "chmod": "0644"}),
        ("files[0].chmod", "unknown_field"),
        id="file-closed",
    ),
    # --- apps, services, health, ports, autostart ------------------------------------
    pytest.param(apps(app("web"), app("web")), ("apps[1].name", "duplicate"), id="app-duplicate"),
    pytest.param(apps(app("Web")), ("apps[0].name", "pattern"), id="app-name-kebab"),
    pytest.param(apps({"title": "x"}), ("apps[0].name", "required"), id="app-name-required"),
    pytest.param(
        apps(*[app(f"a{i}") for i in range(65)]), ("apps", "too_many_items"), id="apps-max-64"
    ),
    pytest.param(
        apps(app(services=[{"name": "s"}])),
        ("apps[0].services[0].run", "required"),
        id="service-run-required",
    ),
    pytest.param(
        apps(
            app("a", services=[{"name": "s", "run": "x"}]),
            app("b", services=[{"name": "s", "run": "y"}]),
        ),
        ("apps[1].services[0].name", "duplicate"),
        id="service-unique-across-apps",
    ),
    pytest.param(
        apps(app(services=[{"name": "s", "run": "x", "restart": "sometimes"}])),
        ("apps[0].services[0].restart", "invalid_enum"),
        id="service-restart-enum",
    ),
    pytest.param(
        apps(
            app(
                services=[
                    {
                        "name": "s",
                        "run": "x",
                        "restart": "on-failure",
                        "user": "root",
                        "cwd": "/srv",
                        "env": {"A": "b"},
                        "stop_signal": "INT",
                        "log": "/var/log/s",
                    }
                ]
            )
        ),
        None,
        id="service-all-fields",
    ),
    pytest.param(
        apps(app(services=[{"name": "s", "run": "x", "env": {"A": 1}}])),
        ("apps[0].services[0].env.A", "type"),
        id="service-env-strings",
    ),
    pytest.param(
        apps(app(ports=[{"internal": 8080}])),
        ("apps[0].ports[0].internal", "reserved_port"),
        id="port-reserved-8080",
    ),
    pytest.param(
        apps(app(ports=[{"internal": 5900}])),
        ("apps[0].ports[0].internal", "reserved_port"),
        id="port-reserved-5900",
    ),
    pytest.param(
        apps(app(ports=[{"internal": 70000}])),
        ("apps[0].ports[0].internal", "range"),
        id="port-range",
    ),
    pytest.param(
        apps(app(ports=[{"internal": 8000, "external": 0, "protocol": "http", "public": True}])),
        None,
        id="port-valid",
    ),
    pytest.param(
        apps(app(ports=[{"internal": 8000, "protocol": "sctp"}])),
        ("apps[0].ports[0].protocol", "invalid_enum"),
        id="port-protocol-enum",
    ),
    pytest.param(
        apps(app(ports=[{"external": 80}])),
        ("apps[0].ports[0].internal", "required"),
        id="port-internal-required",
    ),
    pytest.param(
        apps(app(health={"url": "http://x"})),
        ("apps[0].health.type", "required"),
        id="health-type-required",
    ),
    pytest.param(
        apps(app(health={"type": "http"})),
        ("apps[0].health.url", "required"),
        id="health-http-needs-url",
    ),
    pytest.param(
        apps(
            app(
                health={
                    "type": "tcp",
                    "port": 8000,
                    "every": "10s",
                    "timeout": "2s",
                    "retries": 5,
                    "on_fail": "restart_vm",
                }
            )
        ),
        None,
        id="health-tcp",
    ),
    pytest.param(
        apps(app(health={"type": "http", "url": "localhost:80"})),
        ("apps[0].health.url", "format"),
        id="health-url-format",
    ),
    pytest.param(
        apps(app(health={"type": "command", "command": "true", "every": "30 s"})),
        ("apps[0].health.every", "pattern"),
        id="health-every-duration",
    ),
    pytest.param(
        apps(app(health={"type": "process", "process": "x", "retries": 0})),
        ("apps[0].health.retries", "range"),
        id="health-retries-minimum",
    ),
    pytest.param(
        apps(app(health={"type": "process", "process": "x", "on_fail": "reboot"})),
        ("apps[0].health.on_fail", "format"),
        id="health-on-fail-format",
    ),
    pytest.param(
        apps(app(health={"type": "process", "process": "x", "on_fail": "restart_service:nope"})),
        ("apps[0].health.on_fail", "unknown_ref"),
        id="health-on-fail-unknown-service",
    ),
    pytest.param(
        apps(
            {
                **NGINX,
                "health": {
                    "type": "process",
                    "process": "nginx",
                    "on_fail": "restart_service:nginx",
                },
            }
        ),
        None,
        id="health-on-fail-service",
    ),
    pytest.param(
        apps(app(requires=["db"])),
        ("apps[0].requires[0]", "unknown_ref"),
        id="app-requires-declared",
    ),
    pytest.param(apps(app("db"), app(requires=["db"])), None, id="app-requires"),
    pytest.param(
        apps(app(data=["/proc/data"])), ("apps[0].data[0]", "reserved_path"), id="app-data-reserved"
    ),
    pytest.param(
        apps(app(autostart=[{"delay": 1}])),
        ("apps[0].autostart[0].run", "required"),
        id="autostart-run-required",
    ),
    pytest.param(
        apps(app(autostart=[{"run": "x", "delay": -1}])),
        ("apps[0].autostart[0].delay", "range"),
        id="autostart-delay-minimum",
    ),
    # --- triggers ------------------------------------------------------------------
    pytest.param(triggers(trigger(CRON)), None, id="trigger-cron"),
    pytest.param(
        triggers({"name": "t", "source": CRON}),
        ("triggers[0].actions", "required"),
        id="trigger-actions-required",
    ),
    pytest.param(
        triggers({"name": "t", "source": CRON, "actions": []}),
        ("triggers[0].actions", "too_few_items"),
        id="trigger-actions-min-1",
    ),
    pytest.param(
        triggers(trigger(CRON), trigger(CRON)),
        ("triggers[1].name", "duplicate"),
        id="trigger-duplicate",
    ),
    pytest.param(
        triggers(trigger(CRON, dedup={"debounce": "5s", "cooldown": "1m"})),
        ("triggers[0].dedup", "at_most_one_of"),
        id="dedup-at-most-one",
    ),
    pytest.param(
        triggers(trigger(CRON, dedup={"rate_limit": "10/1m"})), None, id="dedup-rate-limit"
    ),
    pytest.param(
        triggers(trigger(CRON, dedup={"rate_limit": "10 per minute"})),
        ("triggers[0].dedup.rate_limit", "pattern"),
        id="dedup-rate-limit-pattern",
    ),
    pytest.param(
        triggers(trigger({"type": "webhook"})),
        ("triggers[0].source.type", "invalid_enum"),
        id="source-type-enum",
    ),
    pytest.param(
        triggers(trigger({"type": "cron"})),
        ("triggers[0].source.schedule", "required"),
        id="cron-needs-schedule",
    ),
    pytest.param(
        triggers(trigger({"type": "cron", "schedule": "* * *"})),
        ("triggers[0].source.schedule", "format"),
        id="cron-five-fields",
    ),
    pytest.param(
        triggers(
            trigger(
                {
                    "type": "metric",
                    "metric": "cpu_percent",
                    "op": ">",
                    "value": 90,
                    "duration": "5m",
                }
            )
        ),
        None,
        id="metric-source",
    ),
    pytest.param(
        triggers(trigger({"type": "metric", "metric": "cpu_percent", "op": "=>", "value": 90})),
        ("triggers[0].source.op", "invalid_enum"),
        id="metric-op-enum",
    ),
    pytest.param(
        triggers(trigger({"type": "metric", "metric": "cpu_percent", "op": ">", "value": "high"})),
        ("triggers[0].source.value", "type"),
        id="metric-value-number",
    ),
    pytest.param(
        triggers(trigger({"type": "file", "path": "/srv/in", "events": ["create", "move"]})),
        ("triggers[0].source.events[1]", "invalid_enum"),
        id="file-events-enum",
    ),
    pytest.param(
        triggers(trigger({"type": "file", "path": "in"})),
        ("triggers[0].source.path", "format"),
        id="file-source-absolute",
    ),
    pytest.param(
        triggers(
            trigger(
                {
                    "type": "http",
                    "url": "http://127.0.0.1:8000/",
                    "method": "GET",
                    "expect_code": 200,
                    "interval": "30s",
                }
            )
        ),
        None,
        id="http-source",
    ),
    pytest.param(
        triggers(trigger({"type": "http", "url": "127.0.0.1"})),
        ("triggers[0].source.url", "format"),
        id="http-source-url",
    ),
    pytest.param(
        triggers(trigger({"type": "log", "service": "nginx", "match": "error", "parse": "json"})),
        None,
        id="log-source",
    ),
    pytest.param(
        triggers(trigger({"type": "log", "service": "db"})),
        ("triggers[0].source.service", "unknown_ref"),
        id="log-source-service-declared",
    ),
    pytest.param(
        triggers(trigger({"type": "desktop", "event": "idle", "wat": 1})),
        ("triggers[0].source.wat", "unknown_field"),
        id="source-closed",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "webhook"})),
        ("triggers[0].actions[0].url", "required"),
        id="webhook-needs-url",
    ),
    pytest.param(
        triggers(
            trigger(
                CRON,
                {
                    "type": "webhook",
                    "url": "https://x/{{ event.path }}",
                    "method": "POST",
                    "headers": {"X-A": "b"},
                    "body": "{{ event.path }}",
                },
            )
        ),
        None,
        id="webhook-action",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "service", "op": "restart", "target": "db"})),
        ("triggers[0].actions[0].target", "unknown_ref"),
        id="service-action-target-declared",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "service", "op": "restart", "target": "nginx"})),
        None,
        id="service-action",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "notify", "title": "x", "level": "fatal"})),
        ("triggers[0].actions[0].level", "invalid_enum"),
        id="notify-level-enum",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "command", "run": "x", "timeout": "1 min"})),
        ("triggers[0].actions[0].timeout", "pattern"),
        id="command-timeout-duration",
    ),
    # --- streaming, terminal, hooks, telemetry, egress -------------------------------
    pytest.param(
        doc(streaming=[{"name": "s", "url": "http://x", "key": "k"}]),
        ("streaming[0].url", "pattern"),
        id="stream-url-rtmp",
    ),
    pytest.param(
        doc(streaming=[{"name": "s", "url": "rtmps://x/live", "key": {"secret": "api_key"}}]),
        ("streaming[0].key.secret", "undeclared_secret"),
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
def test_format_rule(document: Any, expected: tuple[str, str] | None) -> None:
    """Each rule gives exactly its one issue when broken, and none when kept."""
    assert codes(document) == ({expected} if expected else set())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_documented_examples_validate(path: Any) -> None:
    """Every documented example template is valid."""
    assert validate_template(path) == []


def test_documented_cpu_error_is_exact() -> None:
    """cpu: 3 gives exactly the documented issue."""
    issues = validate_template(doc(hardware={"cpu": 3}))
    assert [(i.field, i.code, i.message) for i in issues] == [
        ("hardware.cpu", "invalid_enum", "cpu must be one of 1, 2, 4, 8, 16")
    ]


def test_every_problem_is_reported_at_once() -> None:
    """Problems in different parts of a document all come back, each at its own path."""
    document = {
        "api_version": "orgo.ai/v1",
        "template": {"name": "demo"},
        "hardware": {"cpu": 3, "ram_gb": 6},
        "env": {"lower": "x", "TOKEN": {"secret": "missing"}},
        "files": [{"to": "/proc/x", "inline": "a"}, {"to": "/srv/y"}],
        "apps": [
            {"name": "a", "services": [{"name": "s", "run": "x"}], "ports": [{"internal": 6080}]},
            {"name": "b", "services": [{"name": "s"}]},
        ],
        "triggers": [{"name": "t", "source": {"type": "cron"}, "actions": []}],
    }
    assert codes(document) == {
        ("template.version", "required"),
        ("hardware.cpu", "invalid_enum"),
        ("hardware.ram_gb", "invalid_enum"),
        ("env.lower", "pattern"),
        ("env.TOKEN.secret", "undeclared_secret"),
        ("files[0].to", "reserved_path"),
        ("files[1]", "exactly_one_of"),
        ("apps[0].ports[0].internal", "reserved_port"),
        ("apps[1].services[0].run", "required"),
        ("apps[1].services[0].name", "duplicate"),
        ("triggers[0].actions", "too_few_items"),
        ("triggers[0].source.schedule", "required"),
    }


def test_load_raises_with_every_issue() -> None:
    """load_template raises TemplateValidationError carrying every issue, listed in its message."""
    with pytest.raises(TemplateValidationError) as caught:
        load_template(doc(hardware={"cpu": 3, "gpu": "rtx"}))
    assert {(i.field, i.code) for i in caught.value.issues} == {
        ("hardware.cpu", "invalid_enum"),
        ("hardware.gpu", "invalid_enum"),
    }
    assert "2 problems" in str(caught.value)
    assert "hardware.gpu" in str(caught.value)


def test_number_where_text_is_wanted_hints_at_quoting() -> None:
    """An unquoted value YAML read as a number gets a hint showing the quoted spelling."""
    (issue,) = validate_template("api_version: orgo.ai/v1\nname: demo@1.0.0\nenv: {PORT: 8080}\n")
    assert issue == ValidationIssue(
        field="env.PORT",
        code="type",
        message="PORT must be a string or {secret: <name>}, not int",
        hint='quote it in YAML: PORT: "8080"',
    )


def test_unknown_field_suggests_the_closest_name() -> None:
    """A misspelt field is an unknown_field whose hint names the field meant."""
    (issue,) = validate_template(doc(hardware={"reigon": "iad"}))
    assert (issue.field, issue.code, issue.hint) == (
        "hardware.reigon",
        "unknown_field",
        "did you mean region?",
    )


def test_unknown_top_level_field_suggests_sugar_keys() -> None:
    """A misspelt sugar key is an unknown_field whose hint names the sugar key."""
    (issue,) = validate_template(doc(wallpapper="https://x/bg.png"))
    assert (issue.field, issue.code, issue.hint) == (
        "wallpapper",
        "unknown_field",
        "did you mean wallpaper?",
    )


def test_cpu_hint_mentions_fractional_cpu() -> None:
    """The cpu issue keeps the documented message and hints that 0.5 is accepted too."""
    (issue,) = validate_template(doc(hardware={"cpu": 32}))
    assert issue.hint is not None
    assert "0.5" in issue.hint


def test_issue_codes_are_the_documented_list() -> None:
    """Every code the table's documents produce is in ISSUE_CODES, and docs list exactly those."""
    produced = {code for param in RULES for _, code in codes(param.values[0])}
    assert produced <= ISSUE_CODES
    docs = (Path(__file__).parents[3] / "docs" / "documents.md").read_text()
    table = docs.split("### Issue codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)?", table, re.MULTILINE))
    assert {code for pair in documented for code in pair if code} == ISSUE_CODES
