"""One build's log: append-only frames that any number of SSE subscribers replay and follow."""

from __future__ import annotations

import anyio
import msgspec

from orgo_async.models import BuildEvent

__all__ = ["BuildLog", "encode_frame"]

_encoder = msgspec.json.Encoder()


def encode_frame(frame_id: int, event: BuildEvent) -> bytes:
    """One SSE frame: an ``id:`` line, a ``data:`` line holding the JSON event, a blank line."""
    return b"id: %d\ndata: %s\n\n" % (frame_id, _encoder.encode(event))


class BuildLog:
    """Frames numbered from 1; subscribers wait for more until the log ends.

    Appends never await, so a frame is visible to every subscriber the moment it exists.
    """

    def __init__(self, events: list[BuildEvent] | None = None, *, ended: bool = False):
        self.events: list[BuildEvent] = []
        self._frames: list[bytes] = []
        self._changed = anyio.Event()
        self.ended = False
        for event in events or ():
            self.append(event)
        if ended:
            self.end()

    def __len__(self) -> int:
        return len(self._frames)

    def append(self, event: BuildEvent) -> None:
        """Add one frame and wake every subscriber."""
        if self.ended:
            raise RuntimeError("cannot append to a build log that has ended")
        self.events.append(event)
        self._frames.append(encode_frame(len(self._frames) + 1, event))
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
