"""The ``orgo_async`` logger, and ``ORGO_LOG`` to switch it on without touching logging config."""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

__all__ = ["LOGGER_NAME", "configure_from_env"]

LOGGER_NAME: Final = "orgo_async"

_LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
_HANDLER_MARK: Final = "_orgo_async_env_handler"


def configure_from_env() -> None:
    """Honour ``ORGO_LOG=debug`` (or ``info``, ``warning``, ``error``): level plus a stderr handler.

    The handler is added once per process however many clients are created; without
    ``ORGO_LOG`` the logger is left to the application's logging configuration.
    """
    level = _LEVELS.get(os.environ.get("ORGO_LOG", "").strip().lower())
    if level is None:
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
