"""Run document work (read, parse, load, digest) off the event loop unless the input is tiny.

ruamel's parser is pure Python: a 1 KB template takes a few milliseconds and a document at
the size limit seconds, all of it holding the event loop. A thread hop costs about 100 µs
on an idle loop (measured: ``anyio.to_thread.run_sync`` of a no-op, 2 cores), and up to the
GIL's switch interval (5 ms) on a busy one, when the worker waits for the loop thread to
let go of the GIL. So inputs whose whole work costs well under a millisecond run inline:

* text up to 256 bytes: JSON that size loads in ~70 µs, YAML in ~1 ms, flow-style YAML
  (the slowest, ~5 µs a byte) in ~1.3 ms;
* a caller-built mapping of up to 256 nodes: validation costs ~1.1 µs a node;
* a loaded :class:`Template` whose JSON is up to 16 KiB: only its digest costs, ~15 µs
  a KiB (14 ms at the size limit). Its size is measured by encoding it (msgspec, ~1 µs).

Everything else goes to a worker thread, and so does every file path. At most
:data:`WORKERS` run at once per event loop: the work holds the GIL, so more threads would
only slow the loop.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import anyio
import anyio.to_thread
import msgspec
from anyio.lowlevel import RunVar

from orgo_async.documents.load import source_path
from orgo_async.documents.schema import Template

__all__ = ["INLINE_BYTES", "INLINE_NODES", "INLINE_TEMPLATE_BYTES", "WORKERS", "off_loop"]

INLINE_BYTES: Final = 256
"""Document text up to this many bytes (or characters) is handled on the event loop."""
INLINE_NODES: Final = 256
"""A caller-built mapping of up to this many keys, values and items is handled on the loop."""
INLINE_TEMPLATE_BYTES: Final = 16 * 1024
"""A loaded Template whose JSON is up to this many bytes is handled on the loop."""
WORKERS: Final = 2
"""Worker threads handling documents at once, per event loop."""

_T = TypeVar("_T")
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("orgo_async_document_workers")


async def off_loop(work: Callable[[Any], _T], source: Any) -> _T:
    """Return ``work(source)``, run in a worker thread unless ``source`` is tiny.

    ``source`` is what ``work`` reads: a path, text, bytes, a mapping or a Template; only
    its size decides where ``work`` runs. Exceptions propagate as ``work`` raised them.
    Cancelling the caller waits for a running worker to finish (the work is bounded by the
    document limits), then raises the cancellation.
    """
    if _tiny(source):
        return work(source)
    return await anyio.to_thread.run_sync(work, source, limiter=_limiter())


def _tiny(source: Any) -> bool:
    if isinstance(source, Template):
        try:
            return len(msgspec.json.encode(source)) <= INLINE_TEMPLATE_BYTES
        except (ValueError, TypeError, UnicodeEncodeError):
            return True  # built by hand with what JSON cannot hold: refused at once
    if isinstance(source, (str, bytes)):
        # A str naming a file is read from disk: never tiny work.
        return len(source) <= INLINE_BYTES and source_path(source) is None
    if isinstance(source, os.PathLike):
        return False
    if isinstance(source, Mapping):
        return _at_most(source, INLINE_NODES)
    return True  # neither text nor data: the work refuses it at once


def _at_most(data: Mapping[Any, Any], limit: int) -> bool:
    """Whether ``data`` holds at most ``limit`` nodes; stops counting past it."""
    count = 0
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        count += 1
        if count > limit:
            return False
        if isinstance(value, Mapping):
            count += len(value)
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return count <= limit


def _limiter() -> anyio.CapacityLimiter:
    # One limiter per event loop: a module-level one would be bound to the first loop.
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(WORKERS)
        _LIMITER.set(limiter)
        return limiter
