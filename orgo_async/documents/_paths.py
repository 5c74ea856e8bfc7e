"""Field paths as issues print them: ``files[0].to``, ``env.FOO``, ``files["/opt/x"]``."""

from __future__ import annotations

import re

import msgspec

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def key_path(parent: str, key: str) -> str:
    """Append a mapping key: dotted when it reads as a name, else quoted in brackets."""
    if _IDENTIFIER.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    # Keys such as file paths would make a dotted path ambiguous, so quote them as JSON.
    return f"{parent}[{msgspec.json.encode(key).decode()}]"


def index_path(parent: str, index: int) -> str:
    """Append a list index: ``apps[1]``."""
    return f"{parent}[{index}]"


def leaf_name(path: str) -> str:
    """The last component of a path, as messages name a field (``cpu``, ``apt[0]``)."""
    if not path:
        return "document"
    if path.endswith('"]'):
        # A quoted key may itself hold dots; it starts at the last '["'.
        return path[path.rfind('["') :]
    return path.rsplit(".", 1)[-1]
