"""The click pieces every command shares: global options, value types, help layout.

Global options (``--api-key``, ``--base-url``, ``--json``, ``--timeout``, ``--verbose``)
are declared once and accepted both before and after the command: the root group and
every [`OrgoCommand`][orgo_async.cli._params.OrgoCommand] carry a copy, and each copy
writes what it parsed into one [`GlobalOptions`][orgo_async.cli._params.GlobalOptions]
kept on the root context.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import click

__all__ = [
    "DURATION",
    "NON_NEGATIVE_INT",
    "POSITIVE_INT",
    "SECONDS",
    "SECONDS_OR_ZERO",
    "GlobalOption",
    "GlobalOptions",
    "OrgoCommand",
    "OrgoGroup",
    "default_in_help",
    "global_options",
]

_GLOBALS_KEY = "orgo_async.cli.globals"


@dataclass
class GlobalOptions:
    """What the global options said, wherever on the command line they were given.

    Attributes:
        api_key: ``--api-key``; None falls back to ``$ORGO_API_KEY``.
        base_url: ``--base-url``; None falls back to ``$ORGO_BASE_URL``.
        json: ``--json``: results and errors as JSON lines.
        timeout: ``--timeout``: seconds each request may take; None keeps the client's.
        verbose: ``--verbose``: requests, retries and reconnects on stderr.
    """

    api_key: str | None = None
    base_url: str | None = None
    json: bool = False
    timeout: float | None = None
    verbose: bool = False


def global_options(ctx: click.Context) -> GlobalOptions:
    """The global options of this invocation (one object per command line)."""
    meta = ctx.find_root().meta
    options = meta.get(_GLOBALS_KEY)
    if not isinstance(options, GlobalOptions):
        options = meta[_GLOBALS_KEY] = GlobalOptions()
    return options


# --- value types: their errors are the messages users see ---------------------


class _PositiveInt(click.ParamType[int]):
    name = "N"

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"expected a whole number, not {value!r}", param, ctx)
        if number < self.minimum:
            self.fail(f"must be at least {self.minimum}, not {number}", param, ctx)
        return number


class _Seconds(click.ParamType[float]):
    name = "SECONDS"

    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a number of seconds, not {value!r}", param, ctx)
        if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not self.zero):
            least = "0 or more" if self.zero else "above 0"
            self.fail(f"must be a number of seconds {least}, not {value!r}", param, ctx)
        return seconds


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class _Duration(click.ParamType[timedelta]):
    name = "DURATION"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        text = str(value).strip().lower()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return timedelta(seconds=float(text))
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(number + unit for number, unit in parts) != text:
            self.fail(f"expected a duration such as 90s, 5m, 1h30m or 2d, not {value!r}")
        return timedelta(seconds=sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))


POSITIVE_INT = _PositiveInt(1)
"""A whole number of at least 1."""
NON_NEGATIVE_INT = _PositiveInt(0)
"""A whole number of at least 0."""
SECONDS = _Seconds()
"""A number of seconds above 0."""
SECONDS_OR_ZERO = _Seconds(zero=True)
"""A number of seconds, 0 included."""
DURATION = _Duration()
"""A duration: ``90`` (seconds), ``90s``, ``5m``, ``1h30m``, ``2d``."""


# --- global options --------------------------------------------------------------


def default_in_help(text: str, default: str) -> str:
    """``text`` ending with ``[default: ...]`` for a default that is not a plain value.

    click shows a computed default in parentheses; this reads like the plain ones.
    """
    return f"{text}  [default: {default}]"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    # Unset flags and options leave what an earlier copy (before the command) stored.
    if value is None or value is False or param.name is None:
        return
    setattr(global_options(ctx), param.name, value)


class GlobalOption(click.Option):
    """An option of the whole program: accepted before or after the command."""

    def __init__(self, param_decls: Sequence[str], **attrs: Any) -> None:
        super().__init__(param_decls, expose_value=False, callback=_remember, **attrs)


def _make_global_options() -> list[click.Option]:
    return [
        GlobalOption(
            ["--api-key"],
            metavar="KEY",
            help=default_in_help("The API key.", "$ORGO_API_KEY"),
        ),
        GlobalOption(
            ["--base-url"],
            metavar="URL",
            help=default_in_help(
                "The API base URL.", "$ORGO_BASE_URL, else https://www.orgo.ai/api"
            ),
        ),
        GlobalOption(
            ["--json"],
            is_flag=True,
            default=None,
            help="Print results, build events and errors as JSON lines.",
        ),
        GlobalOption(
            ["--timeout"],
            type=SECONDS,
            default=None,
            help=default_in_help(
                "Time limit of each request to the API, in seconds.",
                "10 to connect, 60 of silence",
            ),
        ),
        GlobalOption(
            ["--verbose", "-v"],
            is_flag=True,
            default=None,
            help="Show each request, retry and reconnect on stderr, and where a failed "
            "request went.",
        ),
    ]


class _HelpLayout(click.Command):
    """Help with the command's own options first, then the global ones in their own section."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the ``Options`` section, then ``Global options``."""
        own: list[tuple[str, str]] = []
        shared: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                (shared if isinstance(param, GlobalOption) else own).append(record)
        if own:
            with formatter.section("Options"):
                formatter.write_dl(own)
        if shared:
            with formatter.section("Global options (before or after the command)"):
                formatter.write_dl(shared)


def _add_global_options(command: click.Command) -> None:
    taken = {opt for param in command.params for opt in param.opts}
    # A command's own option of the same name wins (``build --timeout`` is the wait's).
    command.params += [
        option for option in _make_global_options() if not taken.intersection(option.opts)
    ]


class OrgoCommand(_HelpLayout):
    """A command that accepts the global options too, after its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_global_options(self)


class OrgoGroup(click.Group, _HelpLayout):
    """The ``orgo-async`` group: the global options, and its commands listed by topic.

    Args:
        sections: titles of the help's command sections, each with its commands in order;
            commands in no section are listed last, under ``Commands``.
    """

    command_class = OrgoCommand

    def __init__(
        self, *args: Any, sections: Sequence[tuple[str, Sequence[str]]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sections = [(title, list(names)) for title, names in sections]
        _add_global_options(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Commands in the order of the help's sections, then the others as added."""
        listed = [name for _, names in self.sections for name in names if name in self.commands]
        return listed + [name for name in self.commands if name not in listed]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write one section of commands per topic."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        others = [name for name in names if all(name not in n for _, n in self.sections)]
        for title, section in [*self.sections, ("Commands", others)]:
            rows = [
                (name, self.commands[name].get_short_help_str(limit))
                for name in section
                if name in self.commands and not self.commands[name].hidden
            ]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
