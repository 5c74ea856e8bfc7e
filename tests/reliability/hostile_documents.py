"""Hostile template documents: small texts that used to take minutes, values nothing can write.

Each document is otherwise a valid template, so its hostile part is its only problem.
``yaml_documents()`` draws random YAML built from the features hostile documents use.
"""

from __future__ import annotations

from typing import Final

from hypothesis import strategies as st

__all__ = [
    "BOMBS",
    "HEAD",
    "NUMBERS",
    "big_yaml",
    "merge_bomb",
    "yaml_documents",
]

HEAD: Final = "api_version: orgo.ai/v1\nname: hostile@1.0.0\n"
"""The top of every document here: a valid template on its own."""


def merge_bomb(levels: int = 5, width: int = 13, keys: int = 10) -> str:
    """Each level merges ``width`` aliases of the one before: ``keys * width**levels`` pairs.

    With the defaults (467 bytes) ruamel used to build 3.7 million merged pairs: about 5 s.
    """
    first = ", ".join(f"k{i}: {i}" for i in range(keys))
    lines = [f"x-0: &a0 {{{first}}}"]
    for level in range(1, levels + 1):
        refs = ",".join([f"*a{level - 1}"] * width)
        lines.append(f"x-{level}: &a{level} {{<<: [{refs}]}}")
    return HEAD + "\n".join(lines) + "\n"


def _alias_bomb(levels: int = 7) -> str:
    lines = ["x-0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels + 1):
        lines.append(f"x-{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    return HEAD + "\n".join(lines) + "\n"


def _nested_merges(levels: int = 9) -> str:
    # Merges inside merged values: every level's mapping merges the one before and
    # holds it under two keys besides.
    lines = ["x-0: &a0 {k: v, l: w}"]
    for level in range(1, levels + 1):
        prev = f"*a{level - 1}"
        lines.append(f"x-{level}: &a{level} {{<<: [{prev}, {prev}], m: {prev}, n: {{<<: {prev}}}}}")
    return HEAD + "\n".join(lines) + "\n"


def _aliases_under_a_merge() -> str:
    # 40 keys each holding 40 aliases of a 100-item list, merged 20 times: 3.2 million.
    items = ", ".join(["1"] * 100)
    lists = ", ".join(f"k{i}: [{', '.join(['*l'] * 40)}]" for i in range(40))
    merges = ", ".join(["*m"] * 20)
    return HEAD + f"x-l: &l [{items}]\nx-m: &m {{{lists}}}\nx-n: {{<<: [{merges}]}}\n"


def big_yaml(size: int, name: str = "big") -> str:
    """A valid template of about ``size`` bytes: one long build.apt list (slow to parse)."""
    head = f"api_version: orgo.ai/v1\nname: {name}@1.0.0\nbuild:\n  apt:\n"
    line = "    - package-with-a-rather-long-name-{:07d}\n"
    return head + "".join(line.format(i) for i in range((size - len(head)) // len(line.format(0))))


BOMBS: Final[dict[str, str | bytes]] = {
    "merge-bomb": merge_bomb(),
    "merge-bomb-wide": merge_bomb(levels=5, width=15),
    "merge-bomb-keys": merge_bomb(levels=4, width=20, keys=40),
    "nested-merges": _nested_merges(),
    "alias-bomb": _alias_bomb(),
    "aliases-under-a-merge": _aliases_under_a_merge(),
    "self-alias": HEAD + "x-a: &a [1, *a]\n",
    "self-merge": HEAD + "x-a: &a {<<: *a}\n",
    "deep-flow": HEAD + "x-a: " + "[" * 100 + "]" * 100 + "\n",
    "deep-block": HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v\n",
    "oversized": big_yaml(1_100_000),
    "oversized-bytes": big_yaml(1_100_000).encode(),
    "two-boms": "\ufeff\ufeff" + HEAD,
    "two-boms-bytes": ("\ufeff\ufeff" + HEAD).encode(),
    "yaml-1.1": "%YAML 1.1\n---\n" + HEAD,
    "yaml-version-5000-digits": "%YAML 1." + "1" * 5000 + "\n---\n" + HEAD,
}
"""Documents refused with TemplateSyntaxError before they cost much."""

_DISK = "hardware:\n  disk_gb: {}\n"
NUMBERS: Final[dict[str, str]] = {
    "word-int": HEAD + _DISK.format("!!int two"),
    "empty-int": HEAD + _DISK.format("!!int ''"),
    "decimal-5000-digits": HEAD + _DISK.format("1" * 5000),
    "hex-5000-digits": HEAD + _DISK.format("0x" + "f" * 5000),
    "octal-5000-digits": HEAD + _DISK.format("0o" + "7" * 5000),
    "binary-65-bits": HEAD + _DISK.format("0b1" + "0" * 64),
    "int-2**63": HEAD + _DISK.format(2**63),
    "int--2**63-1": HEAD + _DISK.format(-(2**63) - 1),
    "json-int-2**64": '{"api_version": "orgo.ai/v1", "name": "hostile@1.0.0",'
    ' "hardware": {"disk_gb": 18446744073709551616}}',
    "json-int-5000-digits": '{"api_version": "orgo.ai/v1", "name": "hostile@1.0.0",'
    ' "hardware": {"disk_gb": 1' + "0" * 5000 + "}}",
    "word-float": HEAD + _DISK.format("!!float many"),
    "word-bool": HEAD + "hardware:\n  audio: !!bool perhaps\n",
    "int-key": HEAD + "env:\n  ? " + "1" * 5000 + "\n  : x\n",
}
"""Scalars that cannot be converted, or integers beyond 64 bits: TemplateSyntaxError."""


# --- random YAML from the features hostile documents use -------------------------------

_TAGS = ("", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!x ", "!!set ")
_NUMBERS = st.sampled_from(["", "-", "0x", "0o", "0b", "1e", "."]).flatmap(
    # Mostly short; now and then past the 4,300 digits Python converts by default.
    lambda prefix: (st.integers(1, 40) | st.sampled_from([4301, 5000])).map(
        lambda n: prefix + "1" * n
    )
)
_PLAIN = st.sampled_from(["x", "1", "1.5", ".inf", "-.inf", ".nan", "1e999", "yes", "~", "''"])


@st.composite
def yaml_documents(draw: st.DrawFn) -> str | bytes:
    """A YAML document of anchors, aliases, merge keys, tags, numbers, nesting and BOMs."""
    anchors: list[str] = []  # defined so far: aliases may use them
    names = iter(range(1_000_000))

    def scalar() -> str:
        tag = draw(st.sampled_from(_TAGS))
        kind = draw(st.integers(0, 4))
        if kind == 0:
            return tag + draw(_NUMBERS)
        if kind == 1:
            return tag + "x" * draw(st.integers(0, 100) | st.just(2_000))
        return tag + draw(_PLAIN)

    def aliases() -> str:
        width = draw(st.integers(1, 30))
        return ", ".join(f"*{draw(st.sampled_from(anchors))}" for _ in range(width))

    def node(depth: int) -> str:
        choice = draw(st.integers(0, 10 if depth < 6 else 3))
        if choice <= 1 and anchors:  # aliases, repeated: the seed of every bomb
            return f"[{aliases()}]"
        if choice <= 3:
            return scalar()
        if choice == 4:  # nesting, now and then past the limit
            n = 70 if draw(st.integers(0, 19)) == 0 else draw(st.integers(1, 8))
            return "[" * n + "]" * n
        anchor = f"a{next(names)}" if draw(st.booleans()) else None
        size = draw(st.integers(0, 6))
        if choice <= 6:
            body = "[" + ", ".join(node(depth + 1) for _ in range(size)) + "]"
        else:
            # The merge comes first in the text, so it may only use anchors defined so far.
            merge: list[str] = []
            if bool(anchors) and draw(st.booleans()):
                merge.append(f"<<: [{aliases()}]")
            pairs = merge + [f"k{i}: {node(depth + 1)}" for i in range(size)]
            body = "{" + ", ".join(pairs) + "}"
        if anchor is None:
            return body
        anchors.append(anchor)  # usable once its body is written: no self-reference here
        return f"&{anchor} {body}"

    entries = [f"x-{i}: {node(0)}" for i in range(draw(st.integers(1, 8)))]
    if anchors and draw(st.integers(0, 9)) == 0:
        entries.append(f"x-self: &{anchors[-1]} [*{anchors[-1]}]")  # redefined, then aliased
    bom = draw(st.sampled_from(["\ufeff", "\ufeff\ufeff"])) if draw(st.integers(0, 3)) == 0 else ""
    text = bom + HEAD + "\n".join(entries) + "\n"
    return text.encode() if draw(st.booleans()) else text
