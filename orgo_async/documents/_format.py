"""The orgo.ai/v1 format as data: every object, field, type, enum, pattern and limit.

This table mirrors the published JSON Schema (``GET /template-schema``, bundled with the
emulator); the validator walks a document against it. A test walks the bundled schema
beside this table and fails when any type, pattern, bound, enum, required field or closed
object differs, so the two cannot drift apart. The table adds only what the schema has no
words for: messages, hints, and the narrower ``cpu`` list the docs' prose gives. Checks
the schema only states in prose (exactly one of ``from``/``inline``, reserved paths and
ports, unique names, references) live in :mod:`orgo_async.documents.checks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "TEMPLATE",
    "Bool",
    "EnvValue",
    "Int",
    "ListOf",
    "MapOf",
    "Num",
    "Obj",
    "Spec",
    "Str",
    "compile_pattern",
]


@dataclass(frozen=True)
class Str:
    """A string; with ``enum`` it is checked as written, otherwise after interpolation."""

    pattern: str | None = None
    describe: str | None = None
    enum: tuple[str, ...] | None = None

    @property
    def regex(self) -> re.Pattern[str] | None:
        return compile_pattern(self.pattern) if self.pattern else None


@dataclass(frozen=True)
class Int:
    """A whole number (never a bool) with optional bounds or allowed values."""

    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Num:
    """A finite number with allowed values; ``message`` overrides the enum message.

    ``documented`` is the narrower list the docs' prose gives, when it differs from the
    schema's enum: a value only the schema allows is a warning.
    """

    enum: tuple[float, ...]
    message: str
    hint: str | None = None
    documented: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Bool:
    """``true`` or ``false``."""


@dataclass(frozen=True)
class ListOf:
    """An array of one item type with optional size limits."""

    item: Spec
    max_items: int | None = None
    min_items: int | None = None


@dataclass(frozen=True)
class MapOf:
    """A mapping with string keys (optionally patterned) and one value type."""

    value: Spec
    key_pattern: str | None = None
    key_describe: str | None = None


@dataclass(frozen=True)
class EnvValue:
    """A literal string or ``{secret: <name>}``."""


@dataclass(frozen=True)
class Obj:
    """An object: ``required`` fields must be present, unknown ones are reported.

    An unknown field is an error where the schema closes the object
    (``additionalProperties: false``) and a warning where it leaves it ``open``.
    """

    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    did_you_mean: dict[str, str] = field(default_factory=dict)
    open: bool = False


Spec = Str | Int | Num | Bool | ListOf | MapOf | EnvValue | Obj

_CACHE: dict[str, re.Pattern[str]] = {}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a schema pattern for ``search``; ``$`` becomes ``\\Z`` so "a\\n" cannot pass.

    JSON Schema patterns are ECMA-262, where ``\\d`` means ASCII digits only; ``re.ASCII``
    keeps Python from also accepting full-width or Arabic-Indic digits.
    """
    regex = _CACHE.get(pattern)
    if regex is None:
        regex = _CACHE[pattern] = re.compile(pattern.replace("$", r"\Z"), re.ASCII)
    return regex


KEBAB: Final = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$"
SECRET_NAME: Final = r"^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$|^[a-z0-9]$"
SEMVER: Final = r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
DURATION: Final = r"^\d+(ns|us|µs|ms|s|m|h)$"
ENV_KEY: Final = r"^[A-Z_][A-Z0-9_]*$"

_KEBAB_TEXT = "lowercase kebab-case, 1-64 characters"
_DURATION_TEXT = "a Go duration such as 30s, 5m or 1h"

S = Str()
_NAME = Str(KEBAB, _KEBAB_TEXT)
_DURATION = Str(DURATION, _DURATION_TEXT)
_STRINGS = ListOf(S)

METADATA = Obj(
    {
        "name": _NAME,
        "version": Str(SEMVER, "a semver version such as 1.0.0"),
        "description": S,
        "publisher": _NAME,
        "license": S,
        "homepage": S,
        "source": S,
        "integrity": S,
    },
    required=("name", "version"),
)

HARDWARE = Obj(
    {
        "os": Str(enum=("linux",)),
        "cpu": Num(
            (0.5, 1, 2, 4, 8, 16),
            "cpu must be one of 1, 2, 4, 8, 16",
            "the schema also lists 0.5, a fractional baseline vCPU",
            documented=(1, 2, 4, 8, 16),
        ),
        "ram_gb": Int(enum=(4, 8, 16, 32, 64)),
        "disk_gb": Int(minimum=1),
        "gpu": Str(enum=("none", "t4", "l4", "a10", "l40s", "a100-40", "a100-80", "h100")),
        "gpu_count": Int(minimum=0),
        "bandwidth_mbps": Int(minimum=0),
        "resolution": Str(r"^\d+x\d+x\d+$", "WIDTHxHEIGHTxDEPTH, such as 1280x720x24"),
        "auto_stop_minutes": Int(minimum=0, maximum=1440),
        "region": Str(enum=("auto-us", "iad", "sjc", "lax")),
        "audio": Bool(),
    }
)

SECRET = Obj(
    {
        "name": Str(SECRET_NAME, "lowercase letters, digits, - or _, 1-64 characters"),
        "description": S,
        "example": S,
        "docs_url": S,
        "optional": Bool(),
    },
    required=("name",),
)

BUILD = Obj({"apt": _STRINGS, "pip": _STRINGS, "npm": _STRINGS, "run": ListOf(S, max_items=64)})

FILE = Obj(
    {
        "from": S,
        "inline": S,
        "to": S,
        "mode": Str(r"^[0-7]{3,4}$", 'octal such as "0644" (quote it in YAML)'),
        "owner": S,
        "group": S,
        "when": Str(enum=("build", "runtime")),
    },
    required=("to",),
)

SERVICE = Obj(
    {
        "name": _NAME,
        "title": S,
        "description": S,
        "run": S,
        "cwd": S,
        "user": S,
        "env": MapOf(S),
        "restart": Str(enum=("always", "on-failure", "no")),
        "stop_signal": S,
        "log": S,
    },
    required=("name", "run"),
)

HEALTH = Obj(
    {
        "type": Str(enum=("http", "tcp", "command", "process")),
        "url": S,
        "port": Int(minimum=1, maximum=65535),
        "command": S,
        "process": S,
        "every": _DURATION,
        "timeout": _DURATION,
        "retries": Int(minimum=1),
        "on_fail": S,
    },
    required=("type",),
)

PORT = Obj(
    {
        "internal": Int(minimum=1, maximum=65535),
        "external": Int(minimum=0, maximum=65535),
        "protocol": Str(enum=("tcp", "udp", "http", "ws")),
        "public": Bool(),
        "description": S,
    },
    required=("internal",),
)

AUTOSTART = Obj({"run": S, "delay": Int(minimum=0)}, required=("run",))

APP = Obj(
    {
        "name": _NAME,
        "title": S,
        "description": S,
        "install": S,
        "requires": _STRINGS,
        "data": _STRINGS,
        "services": ListOf(SERVICE),
        "health": HEALTH,
        "ports": ListOf(PORT),
        "autostart": ListOf(AUTOSTART),
    },
    required=("name",),
)

SOURCE = Obj(
    {
        "type": Str(enum=("file", "log", "process", "http", "cron", "metric", "event", "desktop")),
        "path": S,
        "events": ListOf(Str(enum=("create", "modify", "delete"))),
        "service": S,
        "match": S,
        "parse": Str(enum=("text", "json")),
        "process": S,
        "url": S,
        "method": S,
        "expect_code": Int(),
        "interval": _DURATION,
        "schedule": S,
        "metric": Str(
            enum=(
                "cpu_percent",
                "ram_percent",
                "disk_percent",
                "net_in_mbps",
                "net_out_mbps",
                "gpu_percent",
                "gpu_memory_percent",
                "gpu_temp_celsius",
            )
        ),
        "op": Str(enum=(">", ">=", "<", "<=", "==", "!=")),
        "value": Num((), ""),
        "duration": _DURATION,
        "event": S,
    },
    required=("type",),
    open=True,
)

DEDUP = Obj(
    {
        "debounce": _DURATION,
        "cooldown": _DURATION,
        "rate_limit": Str(r"^[1-9][0-9]*/[0-9]+(s|m|h)$", "<count>/<duration> such as 10/1m"),
    }
)

ACTION = Obj(
    {
        "type": Str(enum=("webhook", "command", "service", "notify", "log", "api")),
        "url": S,
        "method": S,
        "headers": MapOf(S),
        "body": S,
        "run": S,
        "cwd": S,
        "timeout": _DURATION,
        "op": Str(enum=("start", "stop", "restart")),
        "target": S,
        "title": S,
        "level": Str(enum=("info", "warning", "critical")),
        "message": S,
        "endpoint": S,
    },
    required=("type",),
    open=True,
)

TRIGGER = Obj(
    {
        "name": S,
        "title": S,
        "description": S,
        "enabled": Bool(),
        "source": SOURCE,
        "dedup": DEDUP,
        "actions": ListOf(ACTION, min_items=1),
    },
    required=("name", "source", "actions"),
)

STREAM = Obj(
    {
        "name": S,
        "url": Str(r"^rtmps?://", "an rtmp:// or rtmps:// URL"),
        "key": EnvValue(),
        "autostart": Bool(),
    },
    required=("name", "url", "key"),
)

SESSION = Obj({"name": S, "title": S, "description": S, "cwd": S, "run": S}, required=("name",))

HOOKS = Obj(
    {
        name: S
        for name in (
            "on_first_boot",
            "on_every_boot",
            "on_pre_snapshot",
            "on_resume",
            "on_shutdown",
        )
    }
)

TELEMETRY = Obj({"metrics": Bool(), "logs": _STRINGS, "otel_endpoint": S})

EGRESS = Obj({"mode": Str(enum=("allow", "block")), "rules": _STRINGS}, required=("mode", "rules"))

TEMPLATE = Obj(
    {
        "api_version": Str(enum=("orgo.ai/v1",)),
        "template": METADATA,
        "secrets": ListOf(SECRET, max_items=64),
        "hardware": HARDWARE,
        "vars": MapOf(S),
        "env": MapOf(EnvValue(), ENV_KEY, "UPPER_SNAKE_CASE"),
        "build": BUILD,
        "files": ListOf(FILE, max_items=256),
        "apps": ListOf(APP, max_items=64),
        "triggers": ListOf(TRIGGER, max_items=256),
        "streaming": ListOf(STREAM, max_items=16),
        "terminal": ListOf(SESSION, max_items=32),
        "hooks": HOOKS,
        "telemetry": TELEMETRY,
        "egress_policy": EGRESS,
    },
    required=("api_version", "template"),
    # Hints for top-level keys people reach for that belong elsewhere.
    did_you_mean={
        "memory": "ram",
        "ram_gb": "hardware.ram_gb",
        "resolution": "display",
        "version": "name",
    },
)
