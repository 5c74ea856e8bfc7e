"""One build per digest at a time: twins wait for the first, then reuse its golden."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["DigestBoard"]

_Job = TypeVar("_Job", bound=Hashable)


class DigestBoard(Generic[_Job]):
    """Tracks which build of the fleet holds each digest, and who waits for it.

    Different refs with the same content share one golden snapshot on the server.
    Building them in parallel would bake the same snapshot several times, so the
    first to claim a digest builds; later claimants are parked and handed back when
    it ends. Once a digest is known to be built, claims pass at once (the server
    answers those starts ``ready`` with ``reused``).
    """

    def __init__(self) -> None:
        self._holders: dict[str, _Job] = {}
        self._waiting: dict[str, list[_Job]] = {}
        self._built: set[str] = set()

    def claim(self, digest: str, job: _Job) -> bool:
        """Whether ``job`` may start now; if not, it is parked until the holder ends."""
        if digest in self._built:
            return True
        holder = self._holders.setdefault(digest, job)
        if holder == job:
            return True
        self._waiting.setdefault(digest, []).append(job)
        return False

    def blocks(self, digest: str, job: _Job) -> bool:
        """Whether a claim by ``job`` would park it right now."""
        if digest in self._built:
            return False
        holder = self._holders.get(digest)
        return holder is not None and holder != job

    def unpark(self, job: _Job) -> bool:
        """Take a parked ``job`` off its wait list; False when it was not parked."""
        for digest, jobs in self._waiting.items():
            if job in jobs:
                jobs.remove(job)
                if not jobs:
                    del self._waiting[digest]
                return True
        return False

    def release(self, digest: str, job: _Job, *, built: bool) -> list[_Job]:
        """End ``job``'s hold on ``digest``; returns the parked jobs, to be scheduled again."""
        if self._holders.get(digest) == job:
            del self._holders[digest]
        else:
            # Not the holder (the digest was already built when it claimed): nobody waits on it.
            return []
        if built:
            self._built.add(digest)
        return self._waiting.pop(digest, [])

    def drain(self) -> list[_Job]:
        """Take every parked job out, in the order they were parked per digest."""
        parked = [job for jobs in self._waiting.values() for job in jobs]
        self._waiting.clear()
        return parked
