"""The canonical ``orgo.ai/v1`` document as immutable msgspec Structs.

Structs hold a document that :mod:`orgo_async.documents.validate` has already accepted, so
they carry types and enums but no patterns or ranges: those live in the validator, which
reports every problem at once. Fields default to ``None`` meaning "not written"; the
canonical dict (:meth:`Template.to_dict`) leaves them out, and the digest fills the
documented defaults itself. Like the schema, every object is closed except a trigger's
``source`` and ``actions``, whose fields beyond the schema are dropped here (and reported
as warnings by the validator). A test holds every field and enum to the bundled schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import msgspec

from orgo_async.refs import DEFAULT_NAMESPACE, TemplateRef

if TYPE_CHECKING:
    from orgo_async.models import ValidationIssue

__all__ = [
    "Action",
    "App",
    "Autostart",
    "Build",
    "Dedup",
    "EgressPolicy",
    "EnvSecret",
    "EnvValue",
    "FileEntry",
    "Hardware",
    "Health",
    "Hooks",
    "Metadata",
    "Port",
    "SecretDecl",
    "Service",
    "Session",
    "Source",
    "Stream",
    "Telemetry",
    "Template",
    "Trigger",
]


class _Node(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Base of every document Struct: immutable, keyword-only, closed, unset fields omitted."""


class Metadata(_Node, frozen=True, kw_only=True):
    """The ``template`` block: identity and provenance, left out of the digest."""

    name: str
    version: str
    description: str | None = None
    publisher: str | None = None
    license: str | None = None
    homepage: str | None = None
    source: str | None = None
    integrity: str | None = None


class Hardware(_Node, frozen=True, kw_only=True):
    """The VM's resource shape; unset fields take the platform's defaults at launch."""

    os: Literal["linux"] | None = None
    cpu: int | float | None = None
    ram_gb: Literal[4, 8, 16, 32, 64] | None = None
    disk_gb: int | None = None
    gpu: Literal["none", "t4", "l4", "a10", "l40s", "a100-40", "a100-80", "h100"] | None = None
    gpu_count: int | None = None
    bandwidth_mbps: int | None = None
    resolution: str | None = None
    auto_stop_minutes: int | None = None
    region: Literal["auto-us", "iad", "sjc", "lax"] | None = None
    audio: bool | None = None


class SecretDecl(_Node, frozen=True, kw_only=True):
    """A vault secret the template needs: its name only, never its value."""

    name: str
    description: str | None = None
    example: str | None = None
    docs_url: str | None = None
    optional: bool | None = None


class EnvSecret(_Node, frozen=True, kw_only=True):
    """``{secret: <name>}``: a value resolved from the launcher's vault at create time."""

    secret: str


EnvValue: TypeAlias = str | EnvSecret
"""An env value or stream key: literal text, or a reference to a declared secret."""


class Build(_Node, frozen=True, kw_only=True):
    """Build-time install steps, run once while the golden snapshot is baked."""

    apt: list[str] | None = None
    pip: list[str] | None = None
    npm: list[str] | None = None
    run: list[str] | None = None


class FileEntry(_Node, frozen=True, kw_only=True):
    """A file written into the image (``when: build``) or on every boot (``runtime``)."""

    to: str
    from_: str | None = msgspec.field(default=None, name="from")
    inline: str | None = None
    mode: str | None = None
    owner: str | None = None
    group: str | None = None
    when: Literal["build", "runtime"] | None = None


class Service(_Node, frozen=True, kw_only=True):
    """A supervisord program: starts at boot and respawns per ``restart``."""

    name: str
    run: str
    title: str | None = None
    description: str | None = None
    cwd: str | None = None
    user: str | None = None
    env: dict[str, str] | None = None
    restart: Literal["always", "on-failure", "no"] | None = None
    stop_signal: str | None = None
    log: str | None = None


class Health(_Node, frozen=True, kw_only=True):
    """An app's polled liveness check and what runs after ``retries`` failures."""

    type: Literal["http", "tcp", "command", "process"]
    url: str | None = None
    port: int | None = None
    command: str | None = None
    process: str | None = None
    every: str | None = None
    timeout: str | None = None
    retries: int | None = None
    on_fail: str | None = None


class Port(_Node, frozen=True, kw_only=True):
    """A network port an app exposes."""

    internal: int
    external: int | None = None
    protocol: Literal["tcp", "udp", "http", "ws"] | None = None
    public: bool | None = None
    description: str | None = None


class Autostart(_Node, frozen=True, kw_only=True):
    """A GUI command launched on the desktop at boot."""

    run: str
    delay: int | None = None


class App(_Node, frozen=True, kw_only=True):
    """An installed application with its services, health check, ports and autostart."""

    name: str
    title: str | None = None
    description: str | None = None
    install: str | None = None
    requires: list[str] | None = None
    data: list[str] | None = None
    services: list[Service] | None = None
    health: Health | None = None
    ports: list[Port] | None = None
    autostart: list[Autostart] | None = None


SourceType: TypeAlias = Literal[
    "file", "log", "process", "http", "cron", "metric", "event", "desktop"
]
Metric: TypeAlias = Literal[
    "cpu_percent",
    "ram_percent",
    "disk_percent",
    "net_in_mbps",
    "net_out_mbps",
    "gpu_percent",
    "gpu_memory_percent",
    "gpu_temp_celsius",
]


class Source(_Node, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """A trigger's event source; ``type`` selects which fields apply (the schema leaves it open)."""

    type: SourceType
    path: str | None = None
    events: list[Literal["create", "modify", "delete"]] | None = None
    service: str | None = None
    match: str | None = None
    parse: Literal["text", "json"] | None = None
    process: str | None = None
    url: str | None = None
    method: str | None = None
    expect_code: int | None = None
    interval: str | None = None
    schedule: str | None = None
    metric: Metric | None = None
    op: Literal[">", ">=", "<", "<=", "==", "!="] | None = None
    value: int | float | None = None
    duration: str | None = None
    event: str | None = None


class Dedup(_Node, frozen=True, kw_only=True):
    """Noise suppression for a trigger: at most one strategy."""

    debounce: str | None = None
    cooldown: str | None = None
    rate_limit: str | None = None


class Action(_Node, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """What runs when a trigger fires; ``type`` selects which fields apply (open, like Source)."""

    type: Literal["webhook", "command", "service", "notify", "log", "api"]
    url: str | None = None
    method: str | None = None
    headers: dict[str, str] | None = None
    body: str | None = None
    run: str | None = None
    cwd: str | None = None
    timeout: str | None = None
    op: Literal["start", "stop", "restart"] | None = None
    target: str | None = None
    title: str | None = None
    level: Literal["info", "warning", "critical"] | None = None
    message: str | None = None
    endpoint: str | None = None


class Trigger(_Node, frozen=True, kw_only=True):
    """A reactive handler: a source's events, optional dedup, then actions in order."""

    name: str
    source: Source
    actions: list[Action]
    title: str | None = None
    description: str | None = None
    enabled: bool | None = None
    dedup: Dedup | None = None


class Session(_Node, frozen=True, kw_only=True):
    """A pre-staged tmux session the browser terminal attaches to by name."""

    name: str
    title: str | None = None
    description: str | None = None
    cwd: str | None = None
    run: str | None = None


class Hooks(_Node, frozen=True, kw_only=True):
    """Lifecycle shell hooks, each run with ``set -e``."""

    on_first_boot: str | None = None
    on_every_boot: str | None = None
    on_pre_snapshot: str | None = None
    on_resume: str | None = None
    on_shutdown: str | None = None


class Telemetry(_Node, frozen=True, kw_only=True):
    """Observability outputs."""

    metrics: bool | None = None
    logs: list[str] | None = None
    otel_endpoint: str | None = None


class EgressPolicy(_Node, frozen=True, kw_only=True):
    """Per-VM network filtering, enforced on the host."""

    mode: Literal["allow", "block"]
    rules: list[str]


class Stream(_Node, frozen=True, kw_only=True):
    """An outbound RTMP(S) stream of the desktop."""

    name: str
    url: str
    key: EnvValue
    autostart: bool | None = None


class Template(_Node, frozen=True, kw_only=True, dict=True):
    """A whole ``orgo.ai/v1`` document in canonical form (sugar expanded, not interpolated).

    Build one with :func:`orgo_async.documents.load_template`, which validates first. A
    template loaded that way also remembers the document as it was written
    (:attr:`source`), which is what publishing sends, and the warnings its validation
    found (:attr:`warnings`). Neither is part of the document: they are not encoded,
    compared or copied.
    """

    api_version: Literal["orgo.ai/v1"]
    template: Metadata
    secrets: list[SecretDecl] | None = None
    hardware: Hardware | None = None
    vars: dict[str, str] | None = None
    env: dict[str, EnvValue] | None = None
    build: Build | None = None
    files: list[FileEntry] | None = None
    apps: list[App] | None = None
    triggers: list[Trigger] | None = None
    streaming: list[Stream] | None = None
    terminal: list[Session] | None = None
    hooks: Hooks | None = None
    telemetry: Telemetry | None = None
    egress_policy: EgressPolicy | None = None

    @property
    def source(self) -> bytes | None:
        """The document as written (text, or a mapping as JSON); None when built otherwise.

        Raises:
            TemplateSyntaxError: a mapping holding what JSON cannot write.
        """
        extra = self.__dict__
        if "_source" not in extra and "_written" in extra:
            from orgo_async.documents._limits import encode_json

            extra["_source"] = encode_json(extra.pop("_written"))
        source: bytes | None = extra.get("_source")
        return source

    @property
    def media_type(self) -> str:
        """The media type of :attr:`source`: ``application/yaml`` or ``application/json``."""
        media_type: str = self.__dict__.get("_media_type", "application/json")
        return media_type

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        """What validation flagged without refusing: orgo_async's answers to the docs' gaps."""
        warnings: tuple[ValidationIssue, ...] = self.__dict__.get("_warnings", ())
        return warnings

    @property
    def ref(self) -> TemplateRef:
        """The ref this document publishes as: ``default/<name>@<version>``."""
        return TemplateRef(DEFAULT_NAMESPACE, self.template.name, self.template.version)

    def to_dict(self) -> dict[str, Any]:
        """Return the canonical JSON-ready dict: what validate and get answer with."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def interpolated(self) -> Template:
        """Return a copy with ``${var.X}``/``${env.X}`` resolved and ``$${`` unescaped."""
        from orgo_async.documents.interpolate import interpolate_document

        return msgspec.convert(interpolate_document(self.to_dict()), Template)
