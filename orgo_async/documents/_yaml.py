"""ruamel.yaml, held to JSON's types and to the document bounds before it builds anything.

Anchors, aliases and merge keys (``<<``) cost nothing to parse: an alias is one more
reference to a node already read. They cost when the constructor expands them (a merge
copies every pair of the mapping merged, each time). So between composing and constructing,
the composed node graph is measured as it would expand (an alias counts its anchor's whole
expansion, each time it is used) and refused past :data:`MAX_NODES`, with the position of
the collection that crosses the budget. The walk is linear in the nodes composed, which the
size limit bounds, and sits in the constructor, so it holds whatever parser ruamel uses.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, ComposerError, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser, ParserError
from ruamel.yaml.reader import Reader, ReaderError
from ruamel.yaml.tokens import DirectiveToken

from orgo_async.documents._limits import MAX_DEPTH, MAX_INT, MAX_NODES, MIN_INT
from orgo_async.errors import TemplateSyntaxError

__all__ = ["load_yaml"]

# The most digits a 64-bit integer needs in any base YAML writes (binary, without "0b").
_MAX_INT_DIGITS: Final = 64


def load_yaml(text: str) -> Any:
    """Parse one YAML 1.2 document into JSON's types (``None`` for an empty one).

    Raises:
        TemplateSyntaxError: malformed YAML, a forbidden tag or YAML version, a duplicate
            key, more than one document, an unconvertible scalar, an integer beyond 64
            bits, or a document that nests or expands past the bounds.
    """
    try:
        return _yaml().load(text)
    except MaxDepthExceededError as exc:
        raise TemplateSyntaxError(
            f"the document nests deeper than {MAX_DEPTH} levels",
            line=exc.problem_mark.line + 1,
            column=exc.problem_mark.column + 1,
        ) from exc
    except MarkedYAMLError as exc:
        raise _syntax_error(exc) from exc
    except ReaderError as exc:
        # Control characters are refused before parsing, by offset rather than mark.
        offset = int(exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise TemplateSyntaxError(
            f"the character {shown} is not allowed in YAML",
            line=text.count("\n", 0, offset) + 1,
            column=offset - text.rfind("\n", 0, offset),
        ) from exc
    except YAMLError as exc:
        raise TemplateSyntaxError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise TemplateSyntaxError(f"the document nests deeper than {MAX_DEPTH} levels") from exc
    except (ValueError, KeyError, IndexError, OverflowError, AssertionError) as exc:
        # ruamel converts some text unguarded (a %YAML version of 5,000 digits raises
        # ValueError from int()); it is still malformed input. The position is lost: the
        # reader is reset before the error gets here.
        raise TemplateSyntaxError(f"invalid YAML: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _syntax_error(exc: MarkedYAMLError) -> TemplateSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and "duplicate key" not in exc.problem:
        problem = f"{exc.context}, {exc.problem}"
    problem = " ".join(str(problem).split())
    if mark is None:
        return TemplateSyntaxError(problem)
    return TemplateSyntaxError(problem, line=mark.line + 1, column=mark.column + 1)


def _yaml() -> YAML:
    yaml = YAML(typ="safe")
    yaml.Reader = _JSONCompatibleReader
    yaml.Parser = _Parser
    yaml.Composer = _Composer
    yaml.Constructor = _StrictConstructor
    # Stop the recursive composer early; the data check then applies the exact limit.
    yaml.max_depth = MAX_DEPTH + 2
    return yaml


class _JSONCompatibleReader(Reader):
    """A reader that also lets through DEL and C1 controls (U+007F-U+009F).

    JSON allows them unescaped inside strings (msgspec writes them that way), and YAML 1.2
    accepts JSON text, so a JSON document must not be refused for containing them.
    """

    _printable_ascii = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x80)])
    # ruamel declares this as its lazily compiled pattern; a compiled one serves the same calls.
    NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x9f\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # type: ignore[assignment]


class _Parser(Parser):
    """ruamel's parser, reading YAML 1.2 only: a ``%YAML 1.1`` document types values otherwise."""

    def process_directives(self) -> Any:
        token = self.scanner.peek_token()
        if isinstance(token, DirectiveToken) and token.name == "YAML":
            _check_version(token.value, token.start_mark)
        try:
            value = super().process_directives()
        except AssertionError as exc:  # ruamel asserts on versions it does not know
            message = f"unsupported YAML version: {exc}"
            raise ParserError(None, None, message, token.start_mark) from exc
        if value[0] is not None:  # a %YAML directive after a %TAG one
            _check_version(value[0], token.start_mark)
        return value


def _check_version(version: Any, mark: Any) -> None:
    if tuple(version) != (1, 2):
        shown = ".".join(map(str, version))
        raise ParserError(None, None, f"only YAML 1.2 is read, not YAML {shown}", mark)


class _Composer(Composer):
    """ruamel's composer, stopping past :data:`MAX_NODES` nodes and silent about an anchor
    defined again (YAML allows it: an alias refers to the latest)."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False
        self._composed = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Every node composed is at least one node of the expansion: past the budget,
        # stop reading now rather than after composing the rest of a large document.
        if not self.parser.check_event(AliasEvent):
            self._composed += 1
            if self._composed > MAX_NODES:
                mark = self.parser.peek_event().start_mark
                message = f"the document has more than {MAX_NODES:,} nodes"
                raise ComposerError(None, None, message, mark)
        return super().compose_node(parent, index)


class _StrictConstructor(SafeConstructor):
    """ruamel's safe constructor limited to JSON's types: null, bool, int, float, str, seq, map.

    Timestamps stay the text they were written as; sets, binary, ordered maps and any
    other tag are refused with their position, and so is a scalar its tag cannot convert
    (``!!int two``) and an integer beyond 64 bits.
    """

    def construct_document(self, node: Any) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, IndexError, OverflowError) as exc:
            # ruamel converts scalars with int(), float() and dict lookups, unguarded.
            tag = str(node.tag).rpartition(":")[2]
            raise ConstructorError(
                None, None, f"cannot read {_shown(node)} as {tag}", node.start_mark
            ) from exc

    def construct_yaml_int(self, node: Any) -> int:
        text = self.construct_scalar(node)
        digits = text.replace("_", "").lstrip("+-")
        if digits[:2].lower() in ("0b", "0o", "0x"):
            digits = digits[2:]
        # Longer text cannot fit in 64 bits, and int() of it costs up to quadratic time.
        if len(digits.lstrip("0")) > _MAX_INT_DIGITS:
            raise _out_of_range(node)
        value: int = super().construct_yaml_int(node)
        if not MIN_INT <= value <= MAX_INT:
            raise _out_of_range(node)
        return value

    def construct_yaml_float(self, node: Any) -> float:
        # ruamel warns (to stderr) about YAML 1.1 spellings; only 1.2 reaches here.
        text = self.construct_scalar(node).replace("_", "").lower()
        sign = -1.0 if text.startswith("-") else 1.0
        body = text.lstrip("+-")
        if body == ".inf":
            return sign * float("inf")
        if body == ".nan":
            return float("nan")
        return sign * float(body)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)

    def refuse(self, node: Any) -> Any:
        raise ConstructorError(
            None, None, f"the YAML tag {node.tag!r} is not allowed in a template", node.start_mark
        )

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise ConstructorError(
                        None, None, "mapping keys must be plain scalars", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)


_StrictConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictConstructor.construct_yaml_timestamp
)
_StrictConstructor.add_constructor("tag:yaml.org,2002:int", _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor(
    "tag:yaml.org,2002:float", _StrictConstructor.construct_yaml_float
)
for _tag in ("binary", "omap", "pairs", "set"):
    _StrictConstructor.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictConstructor.refuse)
_StrictConstructor.add_constructor(None, _StrictConstructor.refuse)


def _shown(node: Any) -> str:
    if isinstance(node, ScalarNode):
        text = str(node.value)
        return repr(text if len(text) <= 40 else f"{text[:37]}...")
    return f"a {node.id}"


def _out_of_range(node: Any) -> ConstructorError:
    return ConstructorError(
        None,
        None,
        f"the integer {_shown(node)} does not fit in 64 bits ({MIN_INT} to {MAX_INT})",
        node.start_mark,
    )


def _check_expansion(root: Node) -> None:
    """Refuse a node graph that expands past MAX_NODES, or that holds itself.

    Each node's expanded size (itself, plus every key, value and item below it, an alias
    counted in full each time) is computed once, bottom up, with an explicit stack.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the path from the root: an alias to one is a cycle
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_NODES:
                raise ConstructorError(
                    None,
                    None,
                    f"this {'mapping' if isinstance(node, MappingNode) else 'list'} expands"
                    f" to more than {MAX_NODES:,} nodes"
                    " (aliases and merge keys count everything they repeat)",
                    node.start_mark,
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise ConstructorError(
                    None, None, "an alias refers to a collection that holds it", node.start_mark
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []
