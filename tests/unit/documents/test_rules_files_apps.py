"""Format rules for files and apps (services, health checks, ports, autostart)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.documents.helpers import NGINX, SECRETS, app, apps, codes, files

RULES = [
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
        ("files[0].to", "reserved_path", "warning"),
        id="file-reserved-orgo-binaries",
    ),
    pytest.param(
        files({"to": "/usr/local/sbin/x", "inline": "x"}),
        ("files[0].to", "reserved_path", "warning"),
        id="file-reserved-sbin",
    ),
    pytest.param(
        files({"to": "/", "inline": "x"}),
        ("files[0].to", "reserved_path", "warning"),
        id="file-root",
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
        ("files[0].from", "undeclared_secret", "warning"),
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
        ("apps[0].health.url", "required", "warning"),
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
        ("apps[0].health.url", "format", "warning"),
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
        ("apps[0].health.on_fail", "unknown_ref", "warning"),
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
        ("apps[0].requires[0]", "unknown_ref", "warning"),
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
]


@pytest.mark.parametrize(("document", "expected"), RULES)
def test_format_rule(document: Any, expected: tuple[str, ...] | None) -> None:
    """Each rule gives exactly its one issue when broken, and none when kept."""
    assert codes(document) == ({expected} if expected else set())
