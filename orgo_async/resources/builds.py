"""``orgo.builds``: start, inspect and cancel a version's golden-snapshot build."""

from __future__ import annotations

from typing import Final

import msgspec

from orgo_async._timeout import Timeout
from orgo_async._transport import Request
from orgo_async.errors import NotFoundError
from orgo_async.models import BuildInfo, CancelResult
from orgo_async.refs import TemplateRef
from orgo_async.resources._base import Resource

__all__ = ["Builds"]

_BUILD: Final = msgspec.json.Decoder(BuildInfo)
_CANCEL: Final = msgspec.json.Decoder(CancelResult)


def _build_path(ref: str | TemplateRef) -> str:
    return f"/templates/{TemplateRef.parse(ref).path}/build"


class Builds(Resource):
    """Golden-snapshot builds: ``orgo.builds``.

    Every method also takes ``timeout=`` (seconds or a :class:`~orgo_async.Timeout`) and
    ``max_retries=``, overriding the client's settings for that call.
    """

    async def start(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> BuildInfo:
        """Start building ``ref``; returns at once with status ``building`` (or ``ready``).

        Starting again while a build runs returns that build, and a digest that already
        has a golden snapshot answers ``ready`` with ``reused`` true, so this is retried
        like a read.

        Raises:
            NotFoundError: no such version.
            RateLimitError: build rate limit or host capacity reached (after retries).
        """
        response = await self._transport.request(
            Request("POST", _build_path(ref)), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_BUILD)

    async def status(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> BuildInfo:
        """Where ``ref``'s build stands: ``not_built``, ``building``, ``ready`` or ``failed``."""
        response = await self._transport.request(
            Request("GET", _build_path(ref)), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_BUILD)

    async def cancel(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> CancelResult:
        """Cancel ``ref``'s running build; status ``idle`` means nothing was building.

        Raises:
            NotFoundError: no such version (any 404 other than the ``idle`` answer).
        """
        try:
            response = await self._transport.request(
                Request("DELETE", _build_path(ref)), timeout=timeout, max_retries=max_retries
            )
        except NotFoundError as exc:
            # The API answers "nothing to cancel" as 404 {"status": "idle"}: a normal outcome.
            if isinstance(exc.body, dict) and exc.body.get("status") == "idle":
                return CancelResult(status="idle")
            raise
        return response.decode(_CANCEL)
