"""What a build logs, read from its document: phases, steps, apps, files, hooks (pure).

A template's log reads like its build: apt/pip/npm steps, ``build.run`` commands, files
written, app installs line by line, services registered. The first command that exits
non-zero ends the plan on a ``level="error"`` line whose ``failure`` names the step.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from orgo_async.emulator.shell import PlannedLine, filler_lines, package_lines, run_script
from orgo_async.models import BuildPhase

__all__ = ["plan_build", "reused_plan"]


class _Plan:
    """Accumulates lines; :meth:`script` stops the plan at the first failing command."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lines: list[PlannedLine] = []
        self.failed = False

    def say(self, phase: BuildPhase, line: str, source: str | None = "builder") -> None:
        self.lines.append(PlannedLine("info", phase, line, source))

    def ok(self, phase: BuildPhase, line: str, source: str | None = "builder") -> None:
        self.lines.append(PlannedLine("success", phase, line, source))

    def script(self, step: str, script: str, *, phase: BuildPhase, source: str) -> None:
        lines, failure = run_script(script, phase=phase, source=source, rng=self.rng)
        self.lines.extend(lines)
        if failure is not None:
            error = f"{step} failed: {failure}"
            self.lines.append(PlannedLine("error", phase, f"error: {error}", source, failure=error))
            self.failed = True


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _boot(plan: _Plan, doc: Mapping[str, Any]) -> None:
    hw = _mapping(doc.get("hardware"))
    cpu, ram = hw.get("cpu", 1), hw.get("ram_gb", 4)
    resolution = hw.get("resolution", "1280x720x24")
    plan.say("boot", f"booting build VM ({cpu} vCPU, {ram} GB RAM, {resolution})")
    if hw.get("gpu") not in (None, "none"):
        plan.say("boot", f"attaching GPU {hw['gpu']} x{hw.get('gpu_count', 1)}")
    plan.say("boot", f"build VM up in {plan.rng.uniform(2, 9):.1f}s")


def _build_steps(plan: _Plan, doc: Mapping[str, Any]) -> None:
    build = _mapping(doc.get("build"))
    for manager in ("apt", "pip", "npm"):
        plan.lines.extend(
            package_lines(manager, [str(p) for p in _items(build.get(manager))], plan.rng)
        )
    for i, command in enumerate(_items(build.get("run"))):
        plan.script(f"build.run[{i}]", str(command), phase="install", source="builder")
        if plan.failed:
            return


def _files(plan: _Plan, doc: Mapping[str, Any]) -> None:
    for entry in _items(doc.get("files")):
        file = _mapping(entry)
        to, mode = file.get("to", "?"), file.get("mode", "0644")
        origin = str(file.get("from", ""))
        if origin.startswith("secret://"):
            plan.say("install", f"deferred {to}: filled from secret {origin[9:]} at launch")
        elif origin:
            plan.say("install", f"fetched {origin} -> {to} (mode {mode})")
        else:
            size = len(str(file.get("inline", "")).encode())
            plan.say("install", f"wrote {to} ({size} bytes, mode {mode})")
        if file.get("when") == "runtime":
            plan.say("install", f"{to} is re-applied on every boot")


def _apps(plan: _Plan, doc: Mapping[str, Any]) -> None:
    for i, entry in enumerate(_items(doc.get("apps"))):
        app = _mapping(entry)
        name = str(app.get("name", f"app-{i}"))
        if "install" in app:
            plan.say("install", f"installing app {name}", name)
            plan.script(
                f"apps[{i}].install ({name})", str(app["install"]), phase="install", source=name
            )
            if plan.failed:
                return
        for service in _items(app.get("services")):
            svc = _mapping(service)
            restart, user = svc.get("restart", "always"), svc.get("user", "orgo")
            plan.say(
                "install",
                f"registered service {svc.get('name')} (restart={restart}, user={user})",
                name,
            )
        health = _mapping(app.get("health"))
        if health:
            plan.say(
                "install",
                f"health check {health.get('type')} every {health.get('every', '30s')}",
                name,
            )
        for port in _items(app.get("ports")):
            p = _mapping(port)
            public = " (public)" if p.get("public") else ""
            plan.say(
                "install",
                f"exposed port {p.get('internal')}/{p.get('protocol', 'tcp')}{public}",
                name,
            )
        for auto in _items(app.get("autostart")):
            plan.say(
                "install",
                f"autostart after {_mapping(auto).get('delay', 0)}s: {_mapping(auto).get('run')}",
                name,
            )
        plan.ok("install", f"app {name} installed", name)


def _runtime(plan: _Plan, doc: Mapping[str, Any]) -> None:
    env = _mapping(doc.get("env"))
    if env:
        plan.say("install", f"wrote {len(env)} environment variables: {', '.join(sorted(env))}")
    for session in _items(doc.get("terminal")):
        plan.say("install", f"staged tmux session {_mapping(session).get('name')}")
    for trigger in _items(doc.get("triggers")):
        t = _mapping(trigger)
        plan.say(
            "install",
            f"registered trigger {t.get('name')} ({_mapping(t.get('source')).get('type')})",
        )
    first_boot = _mapping(doc.get("hooks")).get("on_first_boot")
    if first_boot:
        plan.say("install", "running hook on_first_boot")
        plan.script("hooks.on_first_boot", str(first_boot), phase="install", source="builder")


def _snapshot(plan: _Plan, doc: Mapping[str, Any], ref: str, digest: str) -> None:
    pre = _mapping(doc.get("hooks")).get("on_pre_snapshot")
    if pre:
        plan.say("snapshot", "running hook on_pre_snapshot")
        plan.script("hooks.on_pre_snapshot", str(pre), phase="snapshot", source="builder")
        if plan.failed:
            return
    hw = _mapping(doc.get("hardware"))
    plan.say("snapshot", "pausing VM")
    plan.say("snapshot", f"capturing memory ({hw.get('ram_gb', 4)} GB) and CPU state")
    plan.say("snapshot", f"capturing disk ({hw.get('disk_gb', 8)} GB)")
    plan.ok("snapshot", "snapshot captured")
    plan.say("record", f"recording golden {digest[:12]} for {ref}")
    plan.say("archive", "compressing golden snapshot")
    plan.say("archive", "uploading golden snapshot")


def plan_build(
    document: Mapping[str, Any],
    *,
    ref: str,
    digest: str,
    min_lines: int,
    rng: random.Random,
    from_publish: bool = False,
) -> list[PlannedLine]:
    """Every line a build of ``document`` logs before its final ``ready`` line.

    Padded with filler to at least ``min_lines - 1`` lines, so that with the ready line
    the whole log has ``min_lines``. A failing plan ends on its ``level="error"`` line.
    """
    plan = _Plan(rng)
    if from_publish:
        plan.say("publish", f"published {ref}")
    plan.say("compile", f"compiling {ref} (orgo.ai/v1)")
    if _mapping(document.get("vars")):
        count = len(_mapping(document["vars"]))
        plan.say("compile", f"interpolated {count} var{'s' if count != 1 else ''}")
    secrets = [str(_mapping(s).get("name")) for s in _items(document.get("secrets"))]
    if secrets:
        plan.say("compile", f"secrets {', '.join(secrets)} are injected at launch, never baked")
    plan.say("compile", f"digest {digest}")
    _boot(plan, document)
    head = len(plan.lines)
    steps: list[Callable[[_Plan, Mapping[str, Any]], None]] = [
        _build_steps,
        _files,
        _apps,
        _runtime,
    ]
    for step in steps:
        step(plan, document)
        if plan.failed:
            break
    else:
        _snapshot(plan, document, ref, digest)
    missing = min_lines - 1 - len(plan.lines)
    if missing > 0:
        # Base-image provisioning comes first in a real install phase.
        plan.lines[head:head] = filler_lines(missing, rng)
    return plan.lines


def reused_plan(ref: str, digest: str) -> list[PlannedLine]:
    """The short log of a build that reused an existing golden."""
    return [
        PlannedLine("info", "compile", f"compiling {ref} (orgo.ai/v1)"),
        PlannedLine("info", "record", f"golden {digest[:12]} already exists; reusing it"),
    ]
