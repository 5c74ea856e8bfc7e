"""Simulated shell output: what a build's commands print, and realistic filler (pure).

A script is read line by line; ``exit N`` (N > 0) and ``false`` fail it, ``exit 0`` ends it.
Package managers print what apt, pip and npm would print for the packages named.
"""

from __future__ import annotations

import random
import re
import shlex
from dataclasses import dataclass

from orgo_async.models import BuildLevel, BuildPhase

__all__ = ["PlannedLine", "ScriptFailure", "filler_lines", "package_lines", "run_script"]

_EXIT = re.compile(r"exit\s+(\d+)")
_ARCHIVE = "http://archive.ubuntu.com/ubuntu"


@dataclass(frozen=True)
class PlannedLine:
    """One line a build will log; ``failure`` set on the line that fails the build."""

    level: BuildLevel
    phase: BuildPhase
    line: str
    source: str | None = "builder"
    failure: str | None = None


@dataclass(frozen=True)
class ScriptFailure:
    """A simulated command that exited non-zero."""

    command: str
    status: int

    def __str__(self) -> str:
        return f"`{self.command}` exited with status {self.status}"


def _version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"


def package_lines(manager: str, packages: list[str], rng: random.Random) -> list[PlannedLine]:
    """What ``manager`` (apt, pip or npm) prints while installing ``packages``."""
    out: list[PlannedLine] = []

    def say(line: str, level: BuildLevel = "info") -> None:
        out.append(PlannedLine(level, "install", line, manager))

    if not packages:
        return out
    if manager == "apt":
        say(f"apt-get install -y --no-install-recommends {' '.join(packages)}")
        say("Reading package lists... Done")
        for i, pkg in enumerate(packages, 1):
            size = rng.randint(12, 4800)
            say(f"Get:{i} {_ARCHIVE} noble/main amd64 {pkg} {_version(rng)} [{size} kB]")
        for pkg in packages:
            say(f"Setting up {pkg} ({_version(rng)}) ...")
        say(f"{len(packages)} newly installed, 0 to remove and 0 not upgraded.", "success")
    elif manager == "pip":
        say(f"pip install {' '.join(packages)}")
        for pkg in packages:
            say(f"Collecting {pkg}")
        versions = " ".join(f"{pkg.split('==')[0]}-{_version(rng)}" for pkg in packages)
        say(f"Successfully installed {versions}", "success")
    else:
        say(f"npm install -g {' '.join(packages)}")
        if rng.random() < 0.5:
            say("npm warn deprecated inflight@1.0.6: This module is not supported", "warn")
        seconds = rng.randint(1, 40)
        say(f"added {rng.randint(1, 300)} packages in {seconds}s", "success")
    return out


def _logical_lines(script: str) -> list[str]:
    """Script lines with ``\\`` continuations joined, blanks and comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in script.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line and not line.startswith("#"):
            joined.append(line)
    if pending.strip():
        joined.append(pending.strip())
    return joined


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def run_script(
    script: str, *, phase: BuildPhase, source: str, rng: random.Random
) -> tuple[list[PlannedLine], ScriptFailure | None]:
    """Simulate ``script`` under ``set -e``: the lines it logs, and the failing command if any."""
    out: list[PlannedLine] = []
    for command in _logical_lines(script):
        out.append(PlannedLine("info", phase, f"$ {command}", source))
        exit_match = _EXIT.fullmatch(command)
        if exit_match is not None:
            status = int(exit_match[1])
            return out, (ScriptFailure(command, status) if status else None)
        if command == "false":
            return out, ScriptFailure(command, 1)
        out.extend(_command_output(command, phase, source, rng))
    return out, None


def _command_output(
    command: str, phase: BuildPhase, source: str, rng: random.Random
) -> list[PlannedLine]:
    words = _words(command)
    names = [w for w in words[2:] if not w.startswith("-")]
    head = " ".join(words[:2])
    if head in {"apt-get install", "apt install"}:
        return [
            PlannedLine(line.level, phase, line.line, "apt")
            for line in package_lines("apt", names, rng)[1:]
        ]
    if head in {"apt-get update", "apt update"}:
        return [
            PlannedLine("info", phase, f"Hit:1 {_ARCHIVE} noble InRelease", "apt"),
            PlannedLine("info", phase, "Reading package lists... Done", "apt"),
        ]
    if head in {"pip install", "pip3 install"}:
        return [
            PlannedLine(x.level, phase, x.line, "pip") for x in package_lines("pip", names, rng)[1:]
        ]
    if head == "npm install" or (words[:1] == ["npm"] and "install" in words):
        pkgs = [w for w in words if not w.startswith("-") and w not in {"npm", "install", "i"}]
        return [
            PlannedLine(x.level, phase, x.line, "npm") for x in package_lines("npm", pkgs, rng)[1:]
        ]
    urls = [w for w in words if w.startswith(("http://", "https://"))]
    if words[:1] in (["curl"], ["wget"]) and urls:
        size = rng.randint(2, 900)
        return [PlannedLine("info", phase, f"downloaded {urls[0]} ({size} kB)", source)]
    return []


_BASE_PACKAGES = (
    "libc-bin",
    "libssl3t64",
    "ca-certificates",
    "tzdata",
    "libsqlite3-0",
    "xz-utils",
    "libx11-6",
    "libgtk-3-0t64",
    "fonts-dejavu-core",
    "dbus-x11",
    "xdg-utils",
    "libnss3",
    "tmux",
    "supervisor",
    "git",
    "curl",
    "openssh-client",
    "python3-minimal",
    "libexpat1",
)


def filler_lines(count: int, rng: random.Random) -> list[PlannedLine]:
    """``count`` lines of base-image apt progress, as a real build's log is padded with."""
    out: list[PlannedLine] = []
    step = 0
    while len(out) < count:
        pkg = _BASE_PACKAGES[step % len(_BASE_PACKAGES)]
        version = f"{_version(rng)}-{rng.randint(0, 9)}ubuntu{rng.randint(1, 9)}"
        kind = step % 4
        if kind == 0:
            size = rng.randint(8, 6000)
            line = f"Get:{step + 1} {_ARCHIVE} noble-updates/main amd64 {pkg} {version} [{size} kB]"
        elif kind == 1:
            line = f"Unpacking {pkg}:amd64 ({version}) ..."
        elif kind == 2:
            line = f"Setting up {pkg}:amd64 ({version}) ..."
        else:
            line = f"Processing triggers for {pkg} ({version}) ..."
        out.append(PlannedLine("info", "install", line, "apt"))
        step += 1
    return out
