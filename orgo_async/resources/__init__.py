"""The client's resources: ``orgo.templates`` and ``orgo.builds``."""

from orgo_async.resources.builds import Builds
from orgo_async.resources.templates import Templates

__all__ = ["Builds", "Templates"]
