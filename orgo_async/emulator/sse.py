"""Serve one build log as server-sent events: replay, follow, keep-alive, cut on purpose."""

from __future__ import annotations

import anyio
from aiohttp import web

from orgo_async.emulator import policy
from orgo_async.emulator.buildlog import BuildLog
from orgo_async.emulator.state import EmulatorState

__all__ = ["KEEPALIVE_COMMENT", "stream_log"]

KEEPALIVE_COMMENT = b": keep-alive\n\n"
_CUT_FLUSH_S = 1.0


async def stream_log(
    request: web.Request, state: EmulatorState, log: BuildLog, after: int
) -> web.StreamResponse:
    """Send every frame after ``after``, then follow the log until it ends.

    The stream closes once the build has ended and every frame was sent. Faults may cut
    it in the middle of a frame: half the frame is written, then the connection is reset.
    """
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    try:
        await response.prepare(request)
    except ConnectionError:
        return response  # the client left before the headers went out (during latency)
    counters = state.stats.streams
    counters.opened += 1
    cut_after = state.faults.take_cut()
    sent = 0
    last = after
    try:
        await response.write(b"retry: %d\n\n" % policy.SSE_RETRY_MS)
        while True:
            batch: list[bytes] = []
            for frame in log.frames_after(last):
                if (cut_after is not None and sent >= cut_after) or state.faults.drop_now():
                    counters.cut += 1
                    counters.frames += len(batch)  # the whole frames before the cut went out
                    await _cut(request, response, b"".join(batch), frame)
                    return response
                batch.append(frame)
                sent += 1
                last += 1
            if batch:
                counters.frames += len(batch)
                await response.write(b"".join(batch))
            if (log.ended and last >= len(log)) or state.closing.is_set():
                break
            with anyio.move_on_after(state.builds.settings.keepalive) as quiet:
                await log.wait_beyond(last)
            if quiet.cancelled_caught:
                await response.write(KEEPALIVE_COMMENT)
        await response.write_eof()
    except ConnectionError:
        pass  # the client went away; nothing is lost, it may resume with Last-Event-ID
    return response


async def _cut(
    request: web.Request, response: web.StreamResponse, before: bytes, frame: bytes
) -> None:
    await response.write(before + frame[: len(frame) // 2])
    transport = request.transport
    if transport is None:
        return
    # Let the half frame reach the socket before the reset, or the client never sees it.
    # asyncio transports offer no "drained" event, so poll the buffer, with a deadline.
    with anyio.move_on_after(_CUT_FLUSH_S):
        while transport.get_write_buffer_size():  # noqa: ASYNC110
            await anyio.sleep(0.005)
    transport.abort()
