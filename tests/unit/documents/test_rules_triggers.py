"""Format rules for triggers: sources, dedup and actions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.documents.helpers import CRON, codes, trigger, triggers

RULES = [
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
        ("triggers[0].source.schedule", "required", "warning"),
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
        ("triggers[0].source.url", "format", "warning"),
        id="http-source-url",
    ),
    pytest.param(
        triggers(trigger({"type": "log", "service": "nginx", "match": "error", "parse": "json"})),
        None,
        id="log-source",
    ),
    pytest.param(
        triggers(trigger({"type": "log", "service": "db"})),
        ("triggers[0].source.service", "unknown_ref", "warning"),
        id="log-source-service-declared",
    ),
    pytest.param(
        triggers(trigger({"type": "desktop", "event": "idle", "wat": 1})),
        ("triggers[0].source.wat", "unknown_field", "warning"),
        id="source-open-in-the-schema",
    ),
    pytest.param(
        triggers(trigger(CRON, {"type": "webhook"})),
        ("triggers[0].actions[0].url", "required", "warning"),
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
        ("triggers[0].actions[0].target", "unknown_ref", "warning"),
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
]


@pytest.mark.parametrize(("document", "expected"), RULES)
def test_format_rule(document: Any, expected: tuple[str, ...] | None) -> None:
    """Each rule gives exactly its one issue when broken, and none when kept."""
    assert codes(document) == ({expected} if expected else set())
