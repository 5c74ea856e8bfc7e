"""Reading documents: safe YAML 1.2, positions in syntax errors, sources told apart."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import msgspec
import pytest

from orgo_async.documents import Template, load_template, parse_document, validate_template
from orgo_async.errors import TemplateError, TemplateSyntaxError, TemplateValidationError
from orgo_async.models import ValidationIssue
from tests.unit.documents.helpers import BASE, DATA

MINIMAL = (DATA / "minimal.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        pytest.param("a: [1,\n", 2, 1, "expected the node content", id="unclosed-flow"),
        pytest.param(
            "template:\n  name: x\n  name: y\n", 3, 3, 'duplicate key "name"', id="duplicate-key"
        ),
        pytest.param('{"a": 1, "a": 2}', 1, 10, "duplicate key", id="duplicate-key-json"),
        pytest.param("a: 1\n---\nb: 2\n", 2, 1, "single document", id="two-documents"),
        pytest.param("a:\n\tb: 1\n", 2, 1, "'\\t'", id="tab-indent"),
        pytest.param(
            "a: b: c\n", 1, 5, "mapping values are not allowed", id="nested-plain-mapping"
        ),
        pytest.param("a: 'x\n", 2, 1, "quoted scalar", id="unterminated-quote"),
        pytest.param("a: 1\nb: x\x07\n", 2, 5, "U+0007", id="control-character"),
        pytest.param("? [a]\n: 1\n", 1, 3, "mapping keys must be plain scalars", id="sequence-key"),
        pytest.param("", 1, 1, "empty", id="empty"),
        pytest.param("# only a comment\n", 1, 1, "empty", id="only-comments"),
        pytest.param("null\n", 1, 1, "empty", id="null-document"),
    ],
)
def test_syntax_errors_carry_position(text: str, line: int, column: int, words: str) -> None:
    """Bad YAML raises TemplateSyntaxError with the 1-based line and column of the problem."""
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_document(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("value", "column"),
    [
        pytest.param("!!python/object/apply:os.system ['ls']", 4, id="python-apply"),
        pytest.param("!!python/name:os.system", 4, id="python-name"),
        pytest.param("!custom 1", 4, id="custom-tag"),
        pytest.param("!!binary aGk=", 4, id="binary"),
        pytest.param("!!set {a}", 4, id="set"),
        pytest.param("!!omap [a: 1]", 4, id="omap"),
        pytest.param("!!pairs [a: 1]", 4, id="pairs"),
        pytest.param("[1, !!python/tuple [2]]", 8, id="nested"),
    ],
)
def test_forbidden_tags_are_refused(value: str, column: int) -> None:
    """Tags outside JSON's types are refused with their position."""
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_document(f"ok: 1\nx: {value}\n")
    assert (caught.value.line, caught.value.column) == (2, column)
    assert "not allowed" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{"a": [1, 2.5, true, null, "x"]}', {"a": [1, 2.5, True, None, "x"]}, id="json"
        ),
        pytest.param("when: 2024-01-01\n", {"when": "2024-01-01"}, id="timestamp-stays-text"),
        pytest.param(
            "a: yes\nb: on\nc: No\n", {"a": "yes", "b": "on", "c": "No"}, id="yaml-1.2-booleans"
        ),
        pytest.param("a: &x [1]\nb: *x\n", {"a": [1], "b": [1]}, id="anchors"),
        pytest.param(
            "base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n",
            {"base": {"x": 1}, "more": {"x": 1, "y": 2}},
            id="merge-key",
        ),
        pytest.param("s: !!str 1.0\n", {"s": "1.0"}, id="explicit-str-tag"),
        pytest.param("v: 1.0\nm: 0644\n", {"v": 1.0, "m": 644}, id="numbers-stay-numbers"),
    ],
)
def test_parse_builds_plain_json_types(text: str, expected: Any) -> None:
    """YAML 1.2 in safe mode gives plain JSON-typed data."""
    assert parse_document(text) == expected


def test_json_text_keeps_every_character() -> None:
    """JSON text is read as JSON: DEL, NEL and C1 controls inside strings survive unchanged."""
    data = {"a": "\x7f \x85 \x9f \u2028", "b": [{'c"': "d:"}], "n": 1e5}
    assert parse_document(msgspec.json.encode(data)) == data


def test_json_duplicate_keys_are_refused_with_position() -> None:
    """A JSON object that repeats a key is refused, with the repeat's position."""
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_document('{"a": {"b": 1,\n "b": 2}}')
    assert (caught.value.line, caught.value.column) == (2, 2)


def test_parse_refuses_what_is_not_text() -> None:
    """parse_document given neither str nor bytes raises TemplateError naming the type."""
    with pytest.raises(TemplateError, match="from dict"):
        parse_document({"a": 1})  # type: ignore[arg-type]


def test_bytes_are_decoded_as_utf8_with_bom() -> None:
    """Bytes are UTF-8 text; a BOM is skipped."""
    assert parse_document("\ufeffname: caf\u00e9\n".encode()) == {"name": "caf\u00e9"}


def test_non_utf8_bytes_are_a_syntax_error() -> None:
    """Bytes that are not UTF-8 raise TemplateSyntaxError."""
    with pytest.raises(TemplateSyntaxError, match="not UTF-8"):
        parse_document(b"name: \xff\n")


def _alias_bomb(levels: int) -> str:
    """Each level is a list of ten aliases of the one before: 10**levels values in all."""
    lines = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_alias_bomb(levels=6), id="alias-bomb"),
        pytest.param("a: " + "[" * 70 + "]" * 70 + "\n", id="deep-nesting"),
        pytest.param("a: " + "[" * 1000 + "]" * 1000 + "\n", id="very-deep-nesting"),
    ],
)
def test_hostile_documents_are_refused(text: str) -> None:
    """Alias bombs and deep nesting raise TemplateSyntaxError instead of eating memory or stack."""
    with pytest.raises(TemplateSyntaxError):
        parse_document(text)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('{"api_version": "orgo.ai/v1", "env": {"A": "\\ud800"}}', id="json-escape"),
        pytest.param('api_version: orgo.ai/v1\nenv: {A: "x\\udfff"}\n', id="yaml-escape"),
        pytest.param({**BASE, "env": {"A": "\ud800"}}, id="data-value"),
        pytest.param({**BASE, "\ud800": 1}, id="data-key"),
    ],
)
def test_lone_surrogates_are_refused(source: Any) -> None:
    """Text holding a lone surrogate, which no encoder can write, is a TemplateSyntaxError."""
    with pytest.raises(TemplateSyntaxError, match="lone surrogate"):
        validate_template(source)


def test_escaped_astral_characters_are_text() -> None:
    """A JSON surrogate-pair escape is one character, not a lone surrogate."""
    assert parse_document('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_path_sources(tmp_path: Path) -> None:
    """A PathLike and a single-line str ending in .yaml/.yml/.json are read as files."""
    yaml_file = tmp_path / "t.YML"
    yaml_file.write_text(MINIMAL)
    json_file = tmp_path / "t.json"
    json_file.write_text('{"api_version": "orgo.ai/v1", "name": "my-template@1.0.0"}')
    expected = load_template(MINIMAL).template
    assert load_template(yaml_file).template == expected
    assert load_template(str(yaml_file)).template == expected
    assert load_template(f"  {json_file}  ").template == expected


def test_text_sources() -> None:
    """Multi-line str and bytes are document text, even when they mention a .yaml file."""
    text = MINIMAL + "# see other.yaml\n"
    assert load_template(text).ref == load_template(text.encode()).ref


def test_missing_file_is_a_template_error(tmp_path: Path) -> None:
    """A path that cannot be read raises TemplateError naming it."""
    missing = tmp_path / "missing.yaml"
    for source in (missing, str(missing)):
        with pytest.raises(TemplateError, match=r"missing\.yaml"):
            load_template(source)


def test_load_accepts_a_template_and_mappings() -> None:
    """A Template passes through; any Mapping is read as parsed data."""
    template = load_template(BASE)
    assert load_template(template) is template
    assert load_template(types.MappingProxyType(BASE)) == template
    assert validate_template(template) == []


def test_nested_tuples_and_mappings_in_a_dict_are_read_as_lists_and_dicts() -> None:
    """A dict holding tuples or read-only mappings deeper down loads like plain lists and dicts."""
    plain = {**BASE, "build": {"apt": ["curl"]}, "hardware": {"cpu": 2}}
    nested = {
        **BASE,
        "build": {"apt": ("curl",)},
        "hardware": types.MappingProxyType({"cpu": 2}),
    }
    assert validate_template(nested) == []
    assert load_template(nested) == load_template(plain)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([1, 2], id="list"),
        pytest.param("just text", id="scalar-text"),
        pytest.param(42, id="number"),
    ],
)
def test_top_level_must_be_a_mapping(data: Any) -> None:
    """A document whose top level is not a mapping is one `type` issue at the top level."""
    with pytest.raises(TemplateValidationError) as caught:
        load_template(data)
    assert [(i.field, i.code) for i in caught.value.issues] == [("", "type")]


def test_yaml_and_json_spellings_load_equal() -> None:
    """The same document as YAML and as JSON loads to equal Templates."""
    as_json = (
        '{"api_version": "orgo.ai/v1", "name": "my-template@1.0.0", "cpu": 2,'
        ' "ram": "4gb", "display": "1280x800"}'
    )
    assert load_template(as_json) == load_template(MINIMAL)
    assert isinstance(load_template(as_json), Template)


def test_unquoted_float_version_is_rejected_with_a_quoting_hint() -> None:
    """version: 1.0 (a YAML float) is a type issue whose hint shows the quoted form."""
    text = "api_version: orgo.ai/v1\ntemplate:\n  name: demo\n  version: 1.0\n"
    (issue,) = validate_template(text)
    assert (issue.field, issue.code, issue.hint) == (
        "template.version",
        "type",
        'quote it in YAML: version: "1.0"',
    )


# --- what a loaded template keeps beside the document ------------------------------------

WARNED = (
    "api_version: orgo.ai/v1\nname: kept@1.0.0\nhardware: {cpu: 0.5}\n"
    "triggers:\n  - name: t\n    source: {type: cron, schedule: '* * * * *'}\n"
    "    actions: [{type: service, op: restart, target: web}]\n"
)


def test_a_template_keeps_its_text_and_warnings_but_compares_by_document() -> None:
    """source is the text as written and warnings what was flagged; neither is the document."""
    from_text = load_template(WARNED)
    from_data = load_template(parse_document(WARNED))
    assert from_text.source == WARNED.encode()
    assert from_text.media_type == "application/yaml"
    assert [(w.field, w.code) for w in from_text.warnings] == [
        ("hardware.cpu", "invalid_enum"),
        ("triggers[0].actions[0].target", "unknown_ref"),
    ]
    assert all(not w.is_error for w in from_text.warnings)
    assert from_data == from_text
    assert msgspec.json.decode(from_data.source or b"") == parse_document(WARNED)
    assert from_data.media_type == "application/json"
    assert "source" not in msgspec.json.decode(msgspec.json.encode(from_text))


def test_a_template_not_loaded_from_a_source_has_none() -> None:
    """A Template built by msgspec, or interpolated, has no source and no warnings."""
    built = msgspec.convert(
        {"api_version": "orgo.ai/v1", "template": {"name": "a", "version": "1.0.0"}}, Template
    )
    assert (built.source, built.warnings) == (None, ())
    assert load_template(WARNED).interpolated().source is None


def test_json_text_keeps_its_media_type() -> None:
    """JSON text is sent as JSON, byte for byte."""
    text = '{"api_version": "orgo.ai/v1", "name": "j@1.0.0"}'
    template = load_template(text)
    assert (template.source, template.media_type) == (text.encode(), "application/json")


def test_issues_from_a_server_without_a_severity_are_errors() -> None:
    """The docs' issue shape has no severity: decoded, it is an error; unknown ones are kept."""
    plain = msgspec.json.decode(b'{"field":"a","code":"b","message":"m"}', type=ValidationIssue)
    other = msgspec.json.decode(
        b'{"field":"a","code":"b","message":"m","severity":"info"}', type=ValidationIssue
    )
    assert (plain.severity, plain.is_error) == ("error", True)
    assert (other.severity, other.is_error) == ("info", True)


def test_the_validation_error_counts_errors_and_marks_warnings() -> None:
    """TemplateValidationError lists errors, then warnings marked as such; it counts errors."""
    with pytest.raises(TemplateValidationError) as caught:
        load_template(WARNED.replace("cpu: 0.5", "cpu: 3"))
    text = str(caught.value)
    assert "(1 problem)" in text
    assert "triggers[0].actions[0].target: warning: target refers" in text
    assert [i.is_error for i in caught.value.issues] == [True, False]
