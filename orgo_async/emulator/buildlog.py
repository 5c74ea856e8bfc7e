"""One build's log: append-only frames that any number of SSE subscribers replay and follow."""

from __future__ import annotations

from collections.abc import Iterable

import anyio
import msgspec

from orgo_async.models import BuildEvent

__all__ = ["BuildLog", "encode_event", "encode_frame"]

_encoder = msgspec.json.Encoder()


def encode_event(event: BuildEvent) -> bytes:
    """The JSON a frame's ``data:`` line carries (and the state store keeps)."""
    return _encoder.encode(event)


def encode_frame(frame_id: int, event: BuildEvent) -> bytes:
    """One SSE frame: an ``id:`` line, a ``data:`` line holding the JSON event, a blank line."""
    return b"id: %d\ndata: %s\n\n" % (frame_id, _encoder.encode(event))


class BuildLog:
    """Frames numbered from 1; subscribers wait for more until the log ends.

    Appends never await, so a frame is visible to every subscriber the moment it exists.
    """

    def __init__(self, events: Iterable[bytes] = (), *, ended: bool = False):
        """A log holding ``events`` (JSON, as :func:`encode_event` makes them)."""
        self._frames: list[bytes] = []
        self._changed = anyio.Event()
        self.ended = False
        self.extend(events)
        if ended:
            self.end()

    def __len__(self) -> int:
        return len(self._frames)

    def extend(self, events: Iterable[bytes]) -> None:
        """Add one frame per JSON event and wake every subscriber."""
        if self.ended:
            raise RuntimeError("cannot append to a build log that has ended")
        frames = self._frames
        for data in events:
            frames.append(b"id: %d\ndata: %s\n\n" % (len(frames) + 1, data))
        self._wake()

    def end(self) -> None:
        """Mark the log complete: subscribers finish once they have sent every frame."""
        if not self.ended:
            self.ended = True
            self._wake()

    def frames_after(self, frame_id: int) -> list[bytes]:
        """Encoded frames with an id greater than ``frame_id``, oldest first."""
        return self._frames[max(frame_id, 0) :]

    async def wait_beyond(self, frame_id: int) -> None:
        """Wait until a frame after ``frame_id`` exists or the log ends."""
        while len(self._frames) <= frame_id and not self.ended:
            await self._changed.wait()

    def _wake(self) -> None:
        # anyio events cannot be cleared: set the current one and start a fresh one.
        self._changed.set()
        self._changed = anyio.Event()
