"""``validate`` and ``publish`` on documents with warnings, and ``publish --no-validate``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orgo_async.cli.__main__ import main
from orgo_async.testing import EMULATOR_API_KEY
from tests.integration.test_cli_support import Run, emulator_thread

CLI = Callable[..., Run]

# The docs leave open whether a service action's target must be declared: a warning.
WARNED = (
    "api_version: orgo.ai/v1\nname: warned@1.0.0\n"
    "triggers:\n  - name: t\n    source: {type: cron, schedule: '* * * * *'}\n"
    "    actions: [{type: service, op: restart, target: web}]\n"
)
# A conflict the client only warns about and the emulator refuses.
CLASH = "api_version: orgo.ai/v1\nname: clash@1.0.0\ncpu: 2\nhardware: {cpu: 4}\n"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[CLI]:
    """Run ``orgo-async`` in-process against a fresh emulator."""
    with emulator_thread() as url:
        monkeypatch.setenv("ORGO_API_KEY", EMULATOR_API_KEY)
        monkeypatch.setenv("ORGO_BASE_URL", url)

        def run(*argv: str) -> Run:
            code = main(list(argv))
            out, err = capsys.readouterr()
            return Run(code, out, err)

        yield run


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_warnings_are_printed_as_warnings_and_do_not_fail(cli: CLI, tmp_path: Path) -> None:
    """validate and publish print the warning on stderr, exit 0, and publish goes through."""
    path = _file(tmp_path, "warned.yaml", WARNED)
    checked = cli("validate", str(path))
    published = cli("publish", str(path))
    line = f"{path}: warning: triggers[0].actions[0].target: target refers to service 'web'"
    assert checked.code == 0
    assert line in checked.err
    assert published.code == 0, published.err
    assert line in published.err
    assert "published default/warned@1.0.0" in published.out


def test_no_validate_leaves_the_verdict_to_the_server(cli: CLI, tmp_path: Path) -> None:
    """--no-validate prints no local warning; the emulator's 422 is the answer."""
    path = _file(tmp_path, "clash.yaml", CLASH)
    published = cli("publish", "--no-validate", str(path))
    assert published.code != 0
    assert "warning:" not in published.err
    assert "conflict" in published.err
