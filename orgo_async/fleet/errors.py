"""Errors of misusing a fleet, raised by ``submit`` before anything is queued."""

from __future__ import annotations

from orgo_async.errors import OrgoError, TemplateError

__all__ = ["FleetClosedError", "RefConflictError"]


class FleetClosedError(OrgoError, RuntimeError):
    """The fleet takes no more submissions: it was closed, waited on, cancelled or left."""


class RefConflictError(TemplateError):
    """A ref already in the fleet was submitted again with a document of different content.

    Attributes:
        ref: the ref submitted twice.
        digest: the digest of the document submitted first.
        other_digest: the digest of the document submitted now.
    """

    def __init__(self, ref: str, *, digest: str, other_digest: str):
        self.ref = ref
        self.digest = digest
        self.other_digest = other_digest
        super().__init__(
            f"{ref} is already in this fleet with different content "
            f"(digest {digest[:12]}, now {other_digest[:12]}); bump the version instead"
        )
