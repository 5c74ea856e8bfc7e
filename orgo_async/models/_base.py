"""Base class of every wire payload."""

from __future__ import annotations

import msgspec


class Model(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Base for wire payloads: immutable, keyword-only; unknown response fields are ignored."""
