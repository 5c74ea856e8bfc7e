"""Every example document the reference shows, as text: its example files and its snippets.

The files are copies of the reference's examples (plus the triggers guide's example,
reconstructed from the reference's triggers section). The snippets are the YAML and JSON
fragments in the reference's text, each made a whole document by the smallest identity
block: what the docs show must validate (warnings allowed) and publish.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

__all__ = ["DOCUMENTED", "EXAMPLE_FILES", "SNIPPETS"]

_DATA = Path(__file__).parent / "unit" / "documents" / "data"
EXAMPLE_FILES: Final = sorted(_DATA.glob("*.yaml"))

_HEAD = "api_version: orgo.ai/v1\nname: snippet@1.0.0\n"

SNIPPETS: Final[dict[str, str]] = {
    # §2.4: validate's valid example, and §2.6: get's example document.
    "validate-ok": (
        '{"api_version": "orgo.ai/v1", "template": {"name": "claude-code", "version": "1.0.0"}}'
    ),
    "get-example": (
        '{"api_version":"orgo.ai/v1","template":{"name":"claude-code","version":"1.0.0",'
        '"description":"Claude Code CLI, ready in the terminal."},'
        '"hardware":{"cpu":2,"ram_gb":4,"resolution":"1280x720x24"}}'
    ),
    # §3.2: the sugar table, each row alone.
    "sugar-cpu": _HEAD + "cpu: 2\n",
    "sugar-ram": _HEAD + "ram: 4gb\n",
    "sugar-display": _HEAD + "display: 1280x800\n",
    "sugar-wallpaper": _HEAD + 'wallpaper: "https://example.com/bg.png"\n',
    "sugar-files": _HEAD + 'files: { /path: "text" }\n',
    "sugar-hook": _HEAD + "on_first_boot: |\n  echo first boot\n",
    "map-files-object": _HEAD + 'files: { /opt/worker/run.sh: { mode: "0755", inline: "…" } }\n',
    # §3.6 and §3.7: env, secrets and vars.
    "env": (
        _HEAD + "env: { NODE_ENV: production, ANTHROPIC_API_KEY: { secret: anthropic_api_key } }\n"
    ),
    "env-var": _HEAD + 'vars: {region: iad}\nenv: {REGION: "${var.region}"}\n',
    "files-vars": (
        _HEAD + "vars: {region: iad, tag: v1}\n"
        'files: [{to: /opt/config, inline: "region=${var.region} tag=${var.tag}"}]\n'
    ),
    "heartbeat-env": _HEAD + 'vars: {worker_name: w1}\nenv: {WORKER_NAME: "${var.worker_name}"}\n',
    # §3.8: build steps.
    "build": (
        _HEAD + "build: {apt: [ffmpeg, ripgrep], pip: [requests, httpx], npm: [pnpm], "
        'run: ["curl -fsSL https://example.com/install.sh | bash"]}\n'
    ),
}

DOCUMENTED: Final[dict[str, str]] = {
    **{path.stem: path.read_text(encoding="utf-8") for path in EXAMPLE_FILES},
    **SNIPPETS,
}
"""Every documented example, by name: the example files, then the snippets."""
