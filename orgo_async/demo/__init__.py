"""Example templates shipped with orgo_async, used by ``orgo-async demo``.

The set is chosen to show every way a build can end: most build, one fails on purpose
(a build step runs ``exit 1``), and two carry the same content under different names and
versions, so they share a digest and the second one reuses the first one's golden snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["DEMO_TEMPLATES", "DemoTemplate", "demo_templates"]


@dataclass(frozen=True)
class DemoTemplate:
    """One shipped example: its file name, its YAML text and how its build should end.

    Attributes:
        filename: the file's name in the package, such as ``static-site.yaml``.
        ref: the ref it publishes as.
        expected: ``ready``, ``failed``, or ``ready-or-reused`` for the two that share a digest.
        source: the YAML text.
    """

    filename: str
    ref: str
    expected: str
    source: str


DEMO_TEMPLATES: dict[str, tuple[str, str]] = {
    "hello-desktop.yaml": ("default/hello-desktop@1.0.0", "ready-or-reused"),
    "hello-desktop-lts.yaml": ("default/hello-desktop-lts@2.0.0", "ready-or-reused"),
    "static-site.yaml": ("default/static-site@1.0.0", "ready"),
    "python-workbench.yaml": ("default/python-workbench@1.2.0", "ready"),
    "broken-build.yaml": ("default/broken-build@0.1.0", "failed"),
}
"""File name -> (ref, expected ending) of every shipped example, in publish order."""


def demo_templates() -> list[DemoTemplate]:
    """Read every shipped example from the package data, in publish order."""
    folder = resources.files(__name__).joinpath("templates")
    return [
        DemoTemplate(filename, ref, expected, folder.joinpath(filename).read_text("utf-8"))
        for filename, (ref, expected) in DEMO_TEMPLATES.items()
    ]
