"""Where command results go: human lines, or JSON lines with ``--json``.

Every JSON line is one object with a ``type`` key (``validation``, ``published``,
``template``, ``build``, ``event``, ``fleet_result``, ``error``...), so a script can
dispatch on it. Results go to stdout; errors go to stderr in both modes.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

import msgspec

__all__ = ["Output", "is_terminal", "to_builtins"]

_encoder = msgspec.json.Encoder()


def to_builtins(value: Any) -> Any:
    """Turn structs, datetimes and enums into plain JSON-ready data."""
    return msgspec.to_builtins(value)


class Output:
    """Writes one command's results in the mode the user chose.

    The streams are looked up at write time unless given, so pytest's ``capsys`` and
    redirections made after start-up both see everything.
    """

    def __init__(
        self, *, json: bool = False, stdout: TextIO | None = None, stderr: TextIO | None = None
    ):
        self.json = json
        self._stdout = stdout
        self._stderr = stderr

    @property
    def stdout(self) -> TextIO:
        """The stream results are written to."""
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> TextIO:
        """The stream errors are written to."""
        return self._stderr if self._stderr is not None else sys.stderr

    def record(self, kind: str, payload: Any = None, **fields: Any) -> None:
        """Write one JSON line ``{"type": kind, **payload, **fields}``; nothing in human mode."""
        if not self.json:
            return
        self.write_json({"type": kind, **_as_mapping(payload), **fields})

    def write_json(self, obj: Any) -> None:
        """Write ``obj`` as one JSON line to stdout."""
        self.stdout.write(_encoder.encode(to_builtins(obj)).decode() + "\n")
        self.stdout.flush()

    def line(self, text: str = "") -> None:
        """Write one human line to stdout; nothing in JSON mode."""
        if self.json:
            return
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def error(
        self,
        lines: list[str],
        *,
        kind: str = "error",
        exit_code: int = 1,
        notes: list[str] | None = None,
        **fields: Any,
    ) -> None:
        """Report an error on stderr: plain lines, or one JSON line in JSON mode.

        ``notes`` (the request id, where it went) follow the message on lines of their
        own, dimmed on a terminal; ``fields`` are extra keys of the JSON record.
        """
        if self.json:
            record = {
                "type": "error",
                "kind": kind,
                "message": lines,
                "exit_code": exit_code,
                **{key: value for key, value in fields.items() if value is not None},
            }
            self.stderr.write(_encoder.encode(record).decode() + "\n")
        else:
            for text in lines:
                self.stderr.write(text + "\n")
            for note in notes or ():
                self.stderr.write(self.dim(f"  {note}", self.stderr) + "\n")
        self.stderr.flush()

    def note(self, text: str) -> None:
        """Write a side remark (a request, a retry) to stderr, dimmed on a terminal."""
        self.stderr.write(self.dim(text, self.stderr) + "\n")
        self.stderr.flush()

    @staticmethod
    def dim(text: str, stream: TextIO) -> str:
        """``text`` in the terminal's dim style when ``stream`` is a colour terminal."""
        if not is_terminal(stream) or os.environ.get("NO_COLOR"):
            return text
        return f"\x1b[2m{text}\x1b[22m"


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an open terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _as_mapping(payload: Any) -> dict[str, Any]:
    if payload is None:
        return {}
    data = to_builtins(payload)
    if not isinstance(data, dict):
        raise TypeError(f"a JSON record needs an object, not {type(data).__name__}")
    return data
