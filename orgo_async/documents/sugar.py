"""Expand the short "sugar" form of a document into the canonical ``orgo.ai/v1`` shape.

Sugar and canonical keys may be mixed. A sugar key fills the canonical field it stands
for; when that field is already written with an equal value the two agree. What a clash
means is not documented: here the canonical field as written is kept and the clash is a
``conflict`` warning. The expansion remembers which canonical field came from which
written key (``origins``), so problems found later are reported where the user wrote them
(``cpu``, not ``hardware.cpu``).

``wallpaper:`` has no documented canonical form. Here it becomes a ``files`` entry fetched
on every boot plus a line of ``hooks.on_every_boot``: orgo_async's choice, which the
emulator shares; a real server may store something else (and so digest it differently).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from orgo_async.documents._paths import index_path, key_path
from orgo_async.models import ValidationIssue
from orgo_async.models.templates import ERROR, WARNING

__all__ = [
    "HOOK_NAMES",
    "SUGAR_KEYS",
    "WALLPAPER_COMMAND",
    "WALLPAPER_PATH",
    "Expansion",
    "expand_sugar",
    "parse_ram",
    "written_path",
]

HOOK_NAMES: Final = (
    "on_first_boot",
    "on_every_boot",
    "on_pre_snapshot",
    "on_resume",
    "on_shutdown",
)
SUGAR_KEYS: Final = frozenset({"name", "cpu", "ram", "display", "wallpaper", *HOOK_NAMES})

WALLPAPER_PATH: Final = "/root/.orgo/wallpaper"
"""Where ``wallpaper:`` downloads the image (re-fetched on every boot: ``when: runtime``)."""
WALLPAPER_COMMAND: Final = f"DISPLAY=:0 feh --no-fehbg --bg-fill {WALLPAPER_PATH} || true"
"""The line ``wallpaper:`` adds to ``hooks.on_every_boot``; a missing viewer never fails boot."""

RAM_SIZES_GB: Final = (4, 8, 16, 32, 64)
DEFAULT_DEPTH: Final = 24

_NAME_AT_VERSION = re.compile(r"(?P<name>[^@\s]+)@(?P<version>[^@\s]+)")
_RAM = re.compile(r"(?P<amount>[0-9]+) ?(?P<unit>gb|g|gib|mb|m|mib)?", re.IGNORECASE | re.ASCII)
_DOCUMENTED_RAM = re.compile(r"[0-9]+gb", re.ASCII)
"""The spelling the docs show (``4gb``); the others read here are orgo_async's guesses."""
_DISPLAY = re.compile(r"(?P<size>[0-9]+x[0-9]+)(?P<depth>x[0-9]+)?")


class Expansion(NamedTuple):
    """The canonical document, the problems sugar itself found, and where fields came from."""

    document: dict[str, Any]
    issues: list[ValidationIssue]
    origins: dict[str, str]
    claimed: frozenset[str]
    """Canonical fields a sugar key stood for, even when it could not be expanded."""


def expand_sugar(data: Mapping[str, Any]) -> Expansion:
    """Expand every sugar key of a top-level mapping; the input is never modified."""
    present = SUGAR_KEYS.intersection(key for key in data if isinstance(key, str))
    files = data.get("files")
    if not present and not isinstance(files, Mapping):
        return Expansion(dict(data), [], {}, frozenset())
    expander = _Expander({key: value for key, value in data.items() if key not in present})
    expander.expand(data, present)
    return Expansion(expander.out, expander.issues, expander.origins, frozenset(expander.claimed))


def parse_ram(value: object) -> int | None:
    """Read a ``ram:`` value as whole GB: ``4``, ``"4gb"``, ``"4 GB"``, ``"4096mb"``; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    match = _RAM.fullmatch(value.strip())
    if match is None:
        return None
    amount = int(match["amount"])
    unit = (match["unit"] or "gb").lower()
    if unit in {"mb", "m", "mib"}:
        # RAM sizes are binary: 4096 MB is 4 GB; anything else is not a whole size.
        return amount // 1024 if amount % 1024 == 0 else None
    return amount


def written_path(field: str, origins: Mapping[str, str]) -> str:
    """Map a canonical field path back to the key the user wrote (longest prefix wins)."""
    best = ""
    for prefix in origins:
        if len(prefix) > len(best) and (
            field == prefix or (field.startswith(prefix) and field[len(prefix)] in ".[")
        ):
            best = prefix
    return origins[best] + field[len(best) :] if best else field


def _same(a: object, b: object) -> bool:
    # 2 == 2.0 agree, but True must not agree with 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class _Expander:
    def __init__(self, out: dict[str, Any]) -> None:
        self.out = out
        self.issues: list[ValidationIssue] = []
        self.origins: dict[str, str] = {}
        self.claimed: set[str] = set()

    def issue(
        self, field: str, code: str, message: str, hint: str | None = None, severity: str = ERROR
    ) -> None:
        self.issues.append(
            ValidationIssue(field=field, code=code, message=message, hint=hint, severity=severity)
        )

    def expand(self, data: Mapping[str, Any], present: frozenset[str]) -> None:
        if "name" in present:
            self.name(data["name"])
        if "cpu" in present:
            self.merge("hardware", "cpu", data["cpu"], "cpu")
        if "ram" in present:
            self.ram(data["ram"])
        if "display" in present:
            self.display(data["display"])
        for hook in HOOK_NAMES:
            if hook in present:
                self.merge("hooks", hook, data[hook], hook)
        if isinstance(data.get("files"), Mapping):
            self.map_files(data["files"])
        if "wallpaper" in present:
            self.wallpaper(data["wallpaper"])

    def merge(self, block: str, field: str, value: Any, origin: str) -> None:
        """Set ``block.field`` from a sugar key, reporting a clash with a written value."""
        self.claimed.update((block, f"{block}.{field}"))
        current = self.out.get(block)
        if current is None:
            current = {}
        elif not isinstance(current, Mapping):
            return  # the validator reports the block's type; nothing to merge into
        if field in current and not _same(current[field], value):
            self.issue(
                origin,
                "conflict",
                f"{origin}: {value!r} conflicts with {block}.{field}: {current[field]!r};"
                f" {block}.{field} is kept",
                f"write it once, either as {origin} or as {block}.{field}",
                WARNING,
            )
            return
        self.out[block] = {**current, field: value}
        self.origins[f"{block}.{field}"] = origin

    def name(self, value: Any) -> None:
        self.claimed.update(("template", "template.name", "template.version"))
        if not isinstance(value, str):
            self.issue("name", "type", f"name must be a string, not {_kind(value)}")
            return
        match = _NAME_AT_VERSION.fullmatch(value.strip())
        if match is None:
            self.issue(
                "name",
                "pattern",
                "name must be <name>@<version>",
                "for example name: my-template@1.0.0",
            )
            return
        self.merge("template", "name", match["name"], "name")
        self.merge("template", "version", match["version"], "name")

    def ram(self, value: Any) -> None:
        self.claimed.update(("hardware", "hardware.ram_gb"))
        size = parse_ram(value)
        if size is None:
            self.issue(
                "ram",
                "pattern" if isinstance(value, str) else "type",
                f"ram must be a size such as 4gb, not {value!r}"[:120],
                "write whole GB as 4gb, 4 GB or 4096mb",
            )
        elif size not in RAM_SIZES_GB:
            self.issue(
                "ram",
                "invalid_enum",
                "ram must be one of " + ", ".join(f"{gb}gb" for gb in RAM_SIZES_GB),
            )
        else:
            if not (isinstance(value, str) and _DOCUMENTED_RAM.fullmatch(value.strip())):
                self.issue(
                    "ram",
                    "undocumented_form",
                    f"ram: {value!r} is read as {size}gb; the docs only show the form {size}gb",
                    f"write ram: {size}gb",
                    WARNING,
                )
            self.merge("hardware", "ram_gb", size, "ram")

    def display(self, value: Any) -> None:
        self.claimed.update(("hardware", "hardware.resolution"))
        match = _DISPLAY.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            self.issue(
                "display",
                "pattern" if isinstance(value, str) else "type",
                "display must be WIDTHxHEIGHT or WIDTHxHEIGHTxDEPTH",
                "for example display: 1280x800",
            )
            return
        resolution = match[0] if match["depth"] else f"{match['size']}x{DEFAULT_DEPTH}"
        if match["depth"]:
            self.issue(
                "display",
                "undocumented_form",
                f"display: {value!r} keeps its depth; the docs only show WIDTHxHEIGHT, "
                f"given depth {DEFAULT_DEPTH}",
                "or write hardware.resolution",
                WARNING,
            )
        self.merge("hardware", "resolution", resolution, "display")

    def map_files(self, files: Mapping[Any, Any]) -> None:
        entries: list[Any] = []
        for destination, spec in files.items():
            index = len(entries)
            canonical = index_path("files", index)
            if not isinstance(destination, str):
                self.issue(
                    "files",
                    "type",
                    f"map-form file keys must be destination paths, not {_kind(destination)}",
                )
                continue
            written = key_path("files", destination)
            self.origins[canonical] = written
            self.origins[f"{canonical}.to"] = written
            if isinstance(spec, str):
                entries.append({"to": destination, "inline": spec})
                self.origins[f"{canonical}.inline"] = written
            elif isinstance(spec, Mapping):
                if "to" in spec and not _same(spec["to"], destination):
                    self.issue(
                        key_path(written, "to"),
                        "conflict",
                        f"to: {spec['to']!r} conflicts with the map key {destination!r};"
                        " the key is kept",
                        "leave out `to` in map-form files; the key is the destination",
                        WARNING,
                    )
                entries.append({**spec, "to": destination})
            else:
                self.issue(
                    written,
                    "type",
                    f"a map-form file must be its text or a mapping, not {_kind(spec)}",
                )
                entries.append({"to": destination, "inline": ""})
        self.out["files"] = entries

    def wallpaper(self, value: Any) -> None:
        if not isinstance(value, str):
            self.issue("wallpaper", "type", f"wallpaper must be a URL string, not {_kind(value)}")
            return
        files = self.out.get("files")
        if files is None:
            files = []
        if not isinstance(files, list):
            return  # the validator reports the type of `files`
        canonical = index_path("files", len(files))
        self.origins[canonical] = self.origins[f"{canonical}.from"] = "wallpaper"
        entry = {"from": value, "to": WALLPAPER_PATH, "when": "runtime"}
        self.out["files"] = [*files, entry]
        hooks = self.out.get("hooks")
        if hooks is None:
            hooks = {}
        if not isinstance(hooks, Mapping):
            return
        script = hooks.get("on_every_boot")
        if script is None:
            script = ""
        if not isinstance(script, str):
            return
        separator = "" if script == "" or script.endswith("\n") else "\n"
        self.out["hooks"] = {**hooks, "on_every_boot": f"{script}{separator}{WALLPAPER_COMMAND}\n"}


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
