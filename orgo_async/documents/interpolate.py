"""Compile-time interpolation: ``${var.X}``, ``${env.X}`` and the ``$${`` escape.

Scope: every string value of the document except ``api_version``, the ``template``
identity block and the values of ``vars`` themselves. Mapping keys are never interpolated.
Substitution is a single pass: inserted text is not scanned again, so a var whose value
contains ``${var.Y}`` inserts that text literally. ``${env.X}`` reads a *literal* top-level
``env`` value (after its own ``${var...}`` references are resolved); env values may not
refer to other env values. Every other ``$`` form (``${FOO}``, ``$uri``, ``$(date)``,
``$$``, ``{{ event.path }}``) is left exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from orgo_async.documents._paths import index_path, key_path

__all__ = [
    "NOT_INTERPOLATED",
    "RefProblem",
    "Scope",
    "interpolate_document",
    "interpolate_string",
    "iter_interpolated_strings",
    "resolved",
    "scope_of",
]

NOT_INTERPOLATED = frozenset({"api_version", "template", "vars"})
"""Top-level keys whose strings are taken as written."""

# One pass finds escapes and references; an unterminated `${var.` is caught as malformed.
_TOKEN = re.compile(r"\$\$\{|\$\{(?P<kind>var|env)\.(?P<name>[^}]*)(?P<close>\})?")
_NAME = re.compile(r"[^\s{}$]+")


class RefProblem(NamedTuple):
    """A reference that cannot be resolved, as the validator reports it.

    ``documented`` is False where refusing it is orgo_async's own reading of the docs
    (a malformed reference, ``${env.X}`` inside an env value): the validator then reports
    a warning, not an error.
    """

    code: str
    message: str
    hint: str
    documented: bool = True


class Scope(NamedTuple):
    """What references resolve against."""

    vars: Mapping[str, str]
    env: Mapping[str, str]
    secret_env: frozenset[str]
    env_allowed: bool = True


def scope_of(document: Mapping[str, Any]) -> Scope:
    """Build the scope of a document, tolerating values of the wrong type (they are skipped)."""
    raw_vars = document.get("vars")
    variables = (
        {k: v for k, v in raw_vars.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(raw_vars, Mapping)
        else {}
    )
    vars_only = Scope(variables, {}, frozenset(), env_allowed=False)
    env: dict[str, str] = {}
    secret_env: set[str] = set()
    raw_env = document.get("env")
    if isinstance(raw_env, Mapping):
        for key, value in raw_env.items():
            if not isinstance(key, str):
                continue
            if isinstance(value, str):
                env[key] = interpolate_string(value, vars_only)
            elif isinstance(value, Mapping) and "secret" in value:
                secret_env.add(key)
    return Scope(variables, env, frozenset(secret_env))


def interpolate_string(
    text: str, scope: Scope, on_problem: Callable[[RefProblem], None] | None = None
) -> str:
    """Resolve the references in one string; an unresolvable one is kept as written."""
    if "$" not in text:  # the common case, kept cheap
        return text

    def replace(match: re.Match[str]) -> str:
        kind = match["kind"]
        if kind is None:
            return "${"
        problem = _resolve(kind, match["name"], match["close"] is not None, scope)
        if isinstance(problem, str):
            return problem
        if on_problem is not None:
            on_problem(problem)
        return match[0]

    return _TOKEN.sub(replace, text)


def resolved(text: str, scope: Scope) -> str | None:
    """The text with its references resolved, or None when one cannot be.

    Checks on a value skip it when this is None: the reference itself is already reported.
    """
    if "$" not in text:
        return text
    problems: list[RefProblem] = []
    result = interpolate_string(text, scope, problems.append)
    return None if problems else result


def _resolve(kind: str, name: str, closed: bool, scope: Scope) -> str | RefProblem:
    if not closed or _NAME.fullmatch(name) is None:
        shown = f"${{{kind}.{name}" + ("}" if closed else "")
        return RefProblem(
            "unknown_ref",
            f"malformed reference {shown[:60]!r}; it is kept as written",
            f"write ${{{kind}.NAME}}, or $${{...}} for a literal '${{'",
            documented=False,
        )
    if kind == "var":
        value = scope.vars.get(name)
        if value is None:
            return RefProblem(
                "unknown_ref",
                f"unknown reference ${{var.{name}}}: vars has no {name!r}",
                f"declare {name} under vars, or write $${{var.{name}}} for literal text",
            )
        return value
    if not scope.env_allowed:
        return RefProblem(
            "unknown_ref",
            f"${{env.{name}}} inside an env value is kept as written",
            "env values may refer to vars only; move the shared text into vars",
            documented=False,
        )
    if name in scope.secret_env:
        return RefProblem(
            "secret_ref",
            f"${{env.{name}}} refers to a secret-backed env value",
            f"secrets are injected at launch; read ${name} from /root/.env at runtime instead",
        )
    env_value = scope.env.get(name)
    if env_value is None:
        return RefProblem(
            "unknown_ref",
            f"unknown reference ${{env.{name}}}: env has no {name!r}",
            f"declare {name} under env, or write $${{env.{name}}} for literal text",
        )
    return env_value


def iter_interpolated_strings(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Scope]]:
    """Yield ``(path, text, scope)`` for every string interpolation applies to."""
    scope = scope_of(document)
    vars_only = scope._replace(env_allowed=False)
    for key, value in document.items():
        if not isinstance(key, str) or key in NOT_INTERPOLATED:
            continue
        yield from _strings(value, key, vars_only if key == "env" else scope)


def _strings(value: Any, path: str, scope: Scope) -> Iterator[tuple[str, str, Scope]]:
    if isinstance(value, str):
        yield path, value, scope
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _strings(item, key_path(path, key), scope)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, index_path(path, index), scope)


def interpolate_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return a new document with every reference in scope resolved; the input is untouched."""
    scope = scope_of(document)
    vars_only = scope._replace(env_allowed=False)
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key in NOT_INTERPOLATED:
            out[key] = value
        else:
            out[key] = _substitute(value, vars_only if key == "env" else scope)
    return out


def _substitute(value: Any, scope: Scope) -> Any:
    if isinstance(value, str):
        return interpolate_string(value, scope)
    if isinstance(value, Mapping):
        return {key: _substitute(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, scope) for item in value]
    return value
