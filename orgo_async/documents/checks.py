"""Rules of the format that a JSON Schema cannot state: they need more than one field.

Exactly one of ``from``/``inline``, reserved destination paths and ports, unique names,
declared secrets, references between parts (services, apps) and ``${...}`` references.
Every function tolerates values of the wrong type: the structural walk reports those.

Rules the docs state are errors. Where the docs are silent (their Unknowns: must a
referenced service or secret be declared, is ``format: uri`` enforced, are paths under
Orgo's binaries reserved, which fields a source or action needs), the check is
orgo_async's own answer and reports a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from orgo_async.documents._format import SECRET_NAME, compile_pattern
from orgo_async.documents._paths import index_path, key_path, leaf_name
from orgo_async.documents.interpolate import (
    RefProblem,
    Scope,
    interpolate_string,
    iter_interpolated_strings,
    resolved,
    scope_of,
)
from orgo_async.models import ValidationIssue
from orgo_async.models.templates import ERROR, WARNING

__all__ = ["RESERVED_PATHS", "RESERVED_PORTS", "check_semantics", "path_problem"]

RESERVED_PATHS: Final = (
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/tmp",
    "/run",
    "/etc/orgo",
    "/var/orgo",
    "/orgo",
    "/etc/supervisor",
)
"""Destinations the docs reserve, and everything under them: an error."""
GUESSED_RESERVED_PATHS: Final = ("/opt/orgo", "/usr/local/sbin")
"""Where the docs' "Orgo's own binaries under /opt and /usr/local/sbin" may live (they
give no list): a destination here is a warning."""
RESERVED_PORTS: Final = frozenset({5900, 5999, 6080, 8080})
"""In-VM ports Orgo's VNC, noVNC and desktop API listen on."""
ON_FAIL_WORDS: Final = ("restart_vm", "alert", "none")

_FROM_SCHEMES = ("file", "git", "http", "https", "s3", "secret")
_FROM = re.compile(r"(?P<scheme>[a-z0-9]+)://(?P<rest>.*)", re.DOTALL)
_SECRET_NAME = compile_pattern(SECRET_NAME)
_HTTP_URL = re.compile(r"https?://[^\s/?#]+")
_SOURCE_NEEDS: Final = {
    "file": ("path",),
    "log": ("service",),
    "process": ("process",),
    "http": ("url",),
    "cron": ("schedule",),
    "metric": ("metric", "op", "value"),
    "event": ("event",),
    "desktop": ("event",),
}
_ACTION_NEEDS: Final = {
    "webhook": ("url",),
    "command": ("run",),
    "service": ("op", "target"),
    "notify": ("title",),
    "log": ("message",),
    "api": ("endpoint",),
}
_HEALTH_NEEDS: Final = {"http": "url", "tcp": "port", "command": "command", "process": "process"}


def path_problem(text: str) -> tuple[str, str, str] | None:
    """Judge a destination path (``~/`` is ``/root``); ``(code, reason, severity)`` or None."""
    expanded = "/root" + text[1:] if text == "~" or text.startswith("~/") else text
    if not expanded.startswith("/"):
        return "format", "must be an absolute path or start with ~/", ERROR
    segments = [part for part in expanded.split("/") if part not in ("", ".")]
    if ".." in segments:
        return "format", "must not contain '..'", ERROR
    normalized = "/" + "/".join(segments)
    if normalized == "/":
        return "reserved_path", "is the root directory", WARNING
    for prefixes, severity in ((RESERVED_PATHS, ERROR), (GUESSED_RESERVED_PATHS, WARNING)):
        for prefix in prefixes:
            if normalized == prefix or normalized.startswith(prefix + "/"):
                return "reserved_path", f"is under the reserved path {prefix}", severity
    return None


def check_semantics(document: Mapping[str, Any]) -> list[ValidationIssue]:
    """Return the cross-field problems of an expanded (canonical) document."""
    return list(_Checks(document).run())


def _issue(
    field: str, code: str, message: str, hint: str | None = None, severity: str = ERROR
) -> ValidationIssue:
    return ValidationIssue(field=field, code=code, message=message, hint=hint, severity=severity)


def _warning(field: str, code: str, message: str, hint: str | None = None) -> ValidationIssue:
    return _issue(field, code, message, hint, WARNING)


def _items(value: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The mapping items of a list, with their paths; anything else yields nothing."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                yield index_path(path, index), item


def _name_of(item: Mapping[str, Any]) -> str | None:
    name = item.get("name")
    return name if isinstance(name, str) else None


class _Checks:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.scope: Scope = scope_of(document)
        self.secrets = {n for _, s in _items(document.get("secrets"), "") if (n := _name_of(s))}
        self.apps = list(_items(document.get("apps"), "apps"))
        self.services = [
            (path, service)
            for app_path, app in self.apps
            for path, service in _items(app.get("services"), key_path(app_path, "services"))
        ]
        self.service_names = {n for _, s in self.services if (n := _name_of(s))}

    def run(self) -> Iterator[ValidationIssue]:
        yield from self.references()
        yield from self.unique(self.apps, "app")
        yield from self.unique(self.services, "service")
        yield from self.unique(list(_items(self.doc.get("triggers"), "triggers")), "trigger")
        yield from self.unique(
            list(_items(self.doc.get("terminal"), "terminal")), "terminal session"
        )
        # The docs ask unique names of apps, services, triggers and sessions, not secrets.
        yield from self.unique(
            list(_items(self.doc.get("secrets"), "secrets")), "secret", severity=WARNING
        )
        yield from self.env_secrets()
        yield from self.files()
        yield from self.urls()
        yield from self.app_rules()
        yield from self.triggers()

    def text(self, value: Any) -> str | None:
        """A string field's value after interpolation; None for a non-string or a bad reference."""
        if not isinstance(value, str):
            return None
        return resolved(value, self.scope)

    def references(self) -> Iterator[ValidationIssue]:
        for path, text, scope in iter_interpolated_strings(self.doc):
            if "${" in text:
                problems: list[RefProblem] = []
                interpolate_string(text, scope, problems.append)
                for problem in problems:
                    severity = ERROR if problem.documented else WARNING
                    yield _issue(path, problem.code, problem.message, problem.hint, severity)

    def unique(
        self, items: list[tuple[str, Mapping[str, Any]]], what: str, severity: str = ERROR
    ) -> Iterator[ValidationIssue]:
        first: dict[str, str] = {}
        for path, item in items:
            name = _name_of(item)
            if name is None:
                continue
            if name in first:
                yield _issue(
                    key_path(path, "name"),
                    "duplicate",
                    f"{what} name {name!r} is already used by {first[name]}",
                    f"{what} names must be unique",
                    severity,
                )
            else:
                first[name] = path

    def secret_ref(self, name: Any, path: str) -> Iterator[ValidationIssue]:
        # Whether the service refuses an undeclared secret is not documented.
        if isinstance(name, str) and name not in self.secrets:
            yield _warning(
                path,
                "undeclared_secret",
                f"secret {name!r} is not declared under secrets",
                f"add `- name: {name}` to secrets",
            )

    def env_secrets(self) -> Iterator[ValidationIssue]:
        env = self.doc.get("env")
        if isinstance(env, Mapping):
            for key, value in env.items():
                if isinstance(key, str) and isinstance(value, Mapping):
                    yield from self.secret_ref(
                        value.get("secret"), key_path(key_path("env", key), "secret")
                    )
        for path, stream in _items(self.doc.get("streaming"), "streaming"):
            key = stream.get("key")
            if isinstance(key, Mapping):
                yield from self.secret_ref(
                    key.get("secret"), key_path(key_path(path, "key"), "secret")
                )

    def destination(self, value: Any, path: str) -> Iterator[ValidationIssue]:
        text = self.text(value)
        problem = path_problem(text) if text is not None else None
        if problem is not None:
            code, reason, severity = problem
            yield _issue(path, code, f"{leaf_name(path)} {text!r} {reason}", _PATH_HINT, severity)

    def files(self) -> Iterator[ValidationIssue]:
        for path, entry in _items(self.doc.get("files"), "files"):
            if ("from" in entry) == ("inline" in entry):
                yield _issue(
                    path,
                    "exactly_one_of",
                    "a file needs exactly one of from or inline",
                    "use from: <uri> to fetch content, or inline: <text> to write it",
                )
            yield from self.destination(entry.get("to"), key_path(path, "to"))
            source = self.text(entry.get("from"))
            if source is not None:
                yield from self.file_source(source, key_path(path, "from"))

    def file_source(self, source: str, path: str) -> Iterator[ValidationIssue]:
        match = _FROM.match(source)
        if match is None or match["scheme"] not in _FROM_SCHEMES:
            yield _issue(
                path,
                "format",
                f"from must be a URI with scheme {', '.join(_FROM_SCHEMES)}",
                "for example https://example.com/file or secret://my-secret",
            )
        elif match["scheme"] == "secret":
            name = match["rest"]
            if _SECRET_NAME.search(name) is None:
                yield _warning(path, "format", f"secret://{name[:60]} does not name a secret")
            else:
                yield from self.secret_ref(name, path)

    def url(self, value: Any, path: str) -> Iterator[ValidationIssue]:
        # Whether the schema's `format: uri` is enforced is not documented.
        text = self.text(value)
        if text is not None and _HTTP_URL.match(text) is None:
            yield _warning(path, "format", f"{leaf_name(path)} is not an http:// or https:// URL")

    def service_ref(
        self, name: Any, path: str, shown: str | None = None
    ) -> Iterator[ValidationIssue]:
        # Whether a service named elsewhere must be declared in the same document is not
        # documented; the docs' own triggers example names one it does not declare.
        if isinstance(name, str) and name not in self.service_names:
            yield _warning(
                path,
                "unknown_ref",
                f"{shown or leaf_name(path)} refers to service {name!r}, which no app declares",
                "declare it under apps[].services, or fix the name",
            )

    def urls(self) -> Iterator[ValidationIssue]:
        metadata = self.doc.get("template")
        if isinstance(metadata, Mapping):
            # The identity block is never interpolated, so its URLs are judged as written.
            for name in ("homepage", "source"):
                value = metadata.get(name)
                if isinstance(value, str) and _HTTP_URL.match(value) is None:
                    yield _warning(
                        f"template.{name}", "format", f"{name} is not an http:// or https:// URL"
                    )
        for path, secret in _items(self.doc.get("secrets"), "secrets"):
            if "docs_url" in secret:
                yield from self.url(secret["docs_url"], key_path(path, "docs_url"))

    def app_rules(self) -> Iterator[ValidationIssue]:
        app_names = {n for _, app in self.apps if (n := _name_of(app))}
        for app_path, app in self.apps:
            requires = app.get("requires")
            if isinstance(requires, list):
                for index, name in enumerate(requires):
                    if isinstance(name, str) and name not in app_names:
                        yield _warning(
                            index_path(key_path(app_path, "requires"), index),
                            "unknown_ref",
                            f"requires app {name!r}, which the template does not declare",
                        )
            data = app.get("data")
            if isinstance(data, list):
                for index, item in enumerate(data):
                    yield from self.destination(item, index_path(key_path(app_path, "data"), index))
            for port_path, port in _items(app.get("ports"), key_path(app_path, "ports")):
                internal = port.get("internal")
                if isinstance(internal, int) and internal in RESERVED_PORTS:
                    yield _issue(
                        key_path(port_path, "internal"),
                        "reserved_port",
                        f"port {internal} is reserved by Orgo",
                        "ports 5900, 5999, 6080 and 8080 are taken; pick another",
                    )
            health = app.get("health")
            if isinstance(health, Mapping):
                yield from self.health(health, key_path(app_path, "health"))

    def health(self, health: Mapping[str, Any], path: str) -> Iterator[ValidationIssue]:
        kind = health.get("type")
        needed = _HEALTH_NEEDS.get(kind) if isinstance(kind, str) else None
        if needed is not None and needed not in health:
            yield _warning(
                key_path(path, needed), "required", f"{needed} is needed when type is {kind}"
            )
        if kind == "http" and "url" in health:
            yield from self.url(health["url"], key_path(path, "url"))
        on_fail = health.get("on_fail")
        if isinstance(on_fail, str) and on_fail not in ON_FAIL_WORDS:
            service = on_fail.removeprefix("restart_service:")
            if service == on_fail or not service:
                yield _issue(
                    key_path(path, "on_fail"),
                    "format",
                    "on_fail must be restart_vm, alert, none or restart_service:<service>",
                )
            else:
                yield from self.service_ref(service, key_path(path, "on_fail"))

    def triggers(self) -> Iterator[ValidationIssue]:
        for path, trigger in _items(self.doc.get("triggers"), "triggers"):
            dedup = trigger.get("dedup")
            if isinstance(dedup, Mapping):
                used = [k for k in ("debounce", "cooldown", "rate_limit") if k in dedup]
                if len(used) > 1:
                    yield _issue(
                        key_path(path, "dedup"),
                        "at_most_one_of",
                        "dedup takes at most one of debounce, cooldown, rate_limit;"
                        f" got {', '.join(used)}",
                    )
            source = trigger.get("source")
            if isinstance(source, Mapping):
                yield from self.source(source, key_path(path, "source"))
            for action_path, action in _items(trigger.get("actions"), key_path(path, "actions")):
                yield from self.action(action, action_path)

    def source(self, source: Mapping[str, Any], path: str) -> Iterator[ValidationIssue]:
        kind = source.get("type")
        for needed in _SOURCE_NEEDS.get(kind, ()) if isinstance(kind, str) else ():
            if needed not in source:
                yield _warning(
                    key_path(path, needed), "required", f"{needed} is needed when type is {kind}"
                )
        schedule = self.text(source.get("schedule"))
        if schedule is not None and len(schedule.split()) != 5:
            yield _issue(
                key_path(path, "schedule"),
                "format",
                "schedule must be a 5-field cron expression",
                "for example */5 * * * *",
            )
        if kind == "http" and "url" in source:
            yield from self.url(source["url"], key_path(path, "url"))
        if kind == "file" and "path" in source:
            watched = self.text(source["path"])
            if watched is not None and not (watched.startswith(("/", "~/")) or watched == "~"):
                yield _issue(
                    key_path(path, "path"),
                    "format",
                    "path must be an absolute path or start with ~/",
                )
        if kind == "log":
            yield from self.service_ref(source.get("service"), key_path(path, "service"))

    def action(self, action: Mapping[str, Any], path: str) -> Iterator[ValidationIssue]:
        kind = action.get("type")
        for needed in _ACTION_NEEDS.get(kind, ()) if isinstance(kind, str) else ():
            if needed not in action:
                yield _warning(
                    key_path(path, needed), "required", f"{needed} is needed when type is {kind}"
                )
        if kind == "webhook" and "url" in action:
            yield from self.url(action["url"], key_path(path, "url"))
        if kind == "service":
            yield from self.service_ref(action.get("target"), key_path(path, "target"))


_PATH_HINT = (
    "use an absolute path or ~/...; /proc, /sys, /boot, /dev, /tmp, /run, /etc/orgo, "
    "/var/orgo, /orgo and /etc/supervisor are reserved, and Orgo's binaries under "
    "/opt/orgo and /usr/local/sbin may be"
)
