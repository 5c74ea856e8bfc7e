"""The Structs and the validator's table match the published JSON Schema, field for field."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from orgo_async.documents import (
    Action,
    App,
    Autostart,
    Build,
    Dedup,
    EgressPolicy,
    EnvSecret,
    FileEntry,
    Hardware,
    Health,
    Hooks,
    Metadata,
    Port,
    SecretDecl,
    Service,
    Session,
    Source,
    Stream,
    Telemetry,
    Template,
    Trigger,
    load_template,
)
from orgo_async.documents import _format as fmt
from orgo_async.refs import TemplateRef
from tests.unit.documents.helpers import DATA, EXAMPLES

SCHEMA: dict[str, Any] = msgspec.json.decode((DATA / "orgo-template-schema.v1.json").read_bytes())

PAIRS = [
    pytest.param(None, Template, fmt.TEMPLATE, id="template"),
    pytest.param("metadata", Metadata, fmt.METADATA, id="metadata"),
    pytest.param("hardware", Hardware, fmt.HARDWARE, id="hardware"),
    pytest.param("secretDecl", SecretDecl, fmt.SECRET, id="secretDecl"),
    pytest.param("build", Build, fmt.BUILD, id="build"),
    pytest.param("file", FileEntry, fmt.FILE, id="file"),
    pytest.param("app", App, fmt.APP, id="app"),
    pytest.param("service", Service, fmt.SERVICE, id="service"),
    pytest.param("health", Health, fmt.HEALTH, id="health"),
    pytest.param("port", Port, fmt.PORT, id="port"),
    pytest.param("autostart", Autostart, fmt.AUTOSTART, id="autostart"),
    pytest.param("trigger", Trigger, fmt.TRIGGER, id="trigger"),
    pytest.param("source", Source, fmt.SOURCE, id="source"),
    pytest.param("dedup", Dedup, fmt.DEDUP, id="dedup"),
    pytest.param("action", Action, fmt.ACTION, id="action"),
    pytest.param("session", Session, fmt.SESSION, id="session"),
    pytest.param("hooks", Hooks, fmt.HOOKS, id="hooks"),
    pytest.param("telemetry", Telemetry, fmt.TELEMETRY, id="telemetry"),
    pytest.param("egressPolicy", EgressPolicy, fmt.EGRESS, id="egressPolicy"),
    pytest.param("stream", Stream, fmt.STREAM, id="stream"),
]


@pytest.mark.parametrize(("name", "struct", "table"), PAIRS)
def test_fields_match_the_schema(
    name: str | None, struct: type[msgspec.Struct], table: fmt.Obj
) -> None:
    """Struct fields, validator fields and required fields are exactly the schema's."""
    definition = SCHEMA if name is None else SCHEMA["$defs"][name]
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    # Closed exactly where the schema closes the object; open ones keep unknown fields out.
    closed = definition.get("additionalProperties") is False
    assert info.forbid_unknown_fields == closed
    assert table.open == (not closed)
    assert {f.encode_name for f in info.fields} == set(definition["properties"])
    assert set(table.fields) == set(definition["properties"])
    required = set(definition.get("required", ()))
    assert {f.encode_name for f in info.fields if f.required} == required
    assert set(table.required) == required


_NUMBER_ENUMS = {("hardware", "cpu")}
"""Enums of non-integer numbers (cpu 0.5), typed ``int | float`` in the Struct."""


def _struct_enum(field_type: msgspec.inspect.Type) -> set[Any] | None:
    """The Literal values a Struct field allows (through Optional and lists), if any."""
    if isinstance(field_type, msgspec.inspect.UnionType):
        found = [_struct_enum(t) for t in field_type.types]
        return next((values for values in found if values is not None), None)
    if isinstance(field_type, msgspec.inspect.ListType):
        return _struct_enum(field_type.item_type)
    if isinstance(field_type, msgspec.inspect.LiteralType):
        return set(field_type.values)
    return None


def _table_enum(spec: Any) -> set[Any] | None:
    """The values the validator's table allows for a field (through lists), if any."""
    if isinstance(spec, fmt.ListOf):
        return _table_enum(spec.item)
    enum = getattr(spec, "enum", None)
    return set(enum) if enum else None


@pytest.mark.parametrize(("name", "struct", "table"), PAIRS)
def test_enums_match_the_schema(
    name: str | None, struct: type[msgspec.Struct], table: fmt.Obj
) -> None:
    """Every enum is written twice (Struct Literal, validator table): both equal the schema's."""
    definition = SCHEMA if name is None else SCHEMA["$defs"][name]
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    struct_fields = {f.encode_name: f.type for f in info.fields}
    for field, prop in definition["properties"].items():
        schema_enum = prop.get("enum", prop.get("items", {}).get("enum"))
        if schema_enum is None:
            continue
        assert _table_enum(table.fields[field]) == set(schema_enum), field
        if (name, field) in _NUMBER_ENUMS:
            continue  # msgspec Literals hold ints and strings only; the validator checks these
        assert _struct_enum(struct_fields[field]) == set(schema_enum), field


def test_env_secret_matches_the_schema() -> None:
    """{secret: <name>} is a closed object with one required field."""
    secret = SCHEMA["$defs"]["envValue"]["oneOf"][1]
    assert set(secret["properties"]) == set(EnvSecret.__struct_fields__) == {"secret"}


def test_structs_are_frozen() -> None:
    """Templates are immutable."""
    template = load_template(DATA / "minimal.yaml")
    with pytest.raises(AttributeError):
        template.api_version = "x"  # type: ignore[misc,assignment]


def test_ref_is_in_the_default_namespace() -> None:
    """Template.ref is default/<name>@<version>."""
    assert load_template(DATA / "claude-code.yaml").ref == TemplateRef(
        "default", "claude-code", "1.0.0"
    )


def test_to_dict_keeps_what_was_written() -> None:
    """to_dict is JSON-ready, renames from_, keeps written defaults and leaves out unset fields."""
    document = {
        "api_version": "orgo.ai/v1",
        "template": {"name": "demo", "version": "1.0.0"},
        "secrets": [{"name": "k", "optional": False}],
        "env": {"K": {"secret": "k"}, "MODE": "prod"},
        "files": [{"to": "/srv/a", "from": "https://example.com/a"}],
        "build": {"apt": []},
    }
    result = load_template(document).to_dict()
    assert result == document
    assert msgspec.json.decode(msgspec.json.encode(result)) == document


def test_typed_access() -> None:
    """Loaded templates expose typed sub-structs."""
    template = load_template(DATA / "static-site.yaml")
    assert template.apps is not None
    nginx = template.apps[0]
    assert isinstance(nginx.health, Health)
    assert nginx.health.on_fail == "restart_service:nginx"
    assert template.files is not None
    assert template.files[1].mode == "0644"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_loading_the_canonical_dict_gives_the_same_template(path: Any) -> None:
    """load_template(t.to_dict()) == t for every example."""
    template = load_template(path)
    assert load_template(template.to_dict()) == template


_CONSTRAINTS = ("pattern", "minimum", "maximum", "maxItems", "minItems", "enum")
Seen = set[tuple[int, str]]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    resolved: dict[str, Any] = SCHEMA["$defs"][ref.rpartition("/")[2]]
    return resolved


def _compare(node: dict[str, Any], spec: Any, path: str, seen: Seen) -> None:
    """Hold one validator spec to one schema node: type, and every constraint the node has."""
    node = _resolve(node)
    seen.update((id(node), key) for key in _CONSTRAINTS if key in node)
    if "oneOf" in node:  # envValue: a string or {secret: <name>}
        assert isinstance(spec, fmt.EnvValue), path
        seen.update((id(n), key) for n in node["oneOf"] for key in _CONSTRAINTS if key in n)
        return
    kind = node.get("type")
    if kind == "string":
        assert isinstance(spec, fmt.Str), path
        assert spec.pattern == node.get("pattern"), path
        assert spec.enum == (tuple(node["enum"]) if "enum" in node else None), path
    elif kind == "integer":
        assert isinstance(spec, fmt.Int), path
        assert (spec.minimum, spec.maximum) == (node.get("minimum"), node.get("maximum")), path
        assert spec.enum == (tuple(node["enum"]) if "enum" in node else None), path
    elif kind == "number":
        assert isinstance(spec, fmt.Num), path
        assert spec.enum == tuple(node.get("enum", ())), path
    elif kind == "boolean":
        assert isinstance(spec, fmt.Bool), path
    elif kind == "array":
        assert isinstance(spec, fmt.ListOf), path
        assert (spec.max_items, spec.min_items) == (node.get("maxItems"), node.get("minItems"))
        _compare(node["items"], spec.item, f"{path}[]", seen)
    elif "properties" in node:
        assert isinstance(spec, fmt.Obj), path
        assert set(spec.fields) == set(node["properties"]), path
        assert set(spec.required) == set(node.get("required", ())), path
        assert spec.open == (node.get("additionalProperties") is not False), path
        for name, sub in node["properties"].items():
            _compare(sub, spec.fields[name], f"{path}.{name}", seen)
    else:  # a map: vars, env, service env, action headers
        assert kind == "object", path
        assert isinstance(spec, fmt.MapOf), path
        names = node.get("propertyNames", {})
        seen.update((id(names), key) for key in _CONSTRAINTS if key in names)
        assert spec.key_pattern == names.get("pattern"), path
        _compare(node["additionalProperties"], spec.value, f"{path}{{}}", seen)


def _constraints(node: dict[str, Any], found: Seen) -> Seen:
    """Every (schema node, constraint) the schema writes, walking its schema keywords."""
    found.update((id(node), key) for key in _CONSTRAINTS if key in node)
    children = [
        *node.get("properties", {}).values(),
        *node.get("$defs", {}).values(),
        *node.get("oneOf", ()),
        *(node[key] for key in ("items", "additionalProperties", "propertyNames") if key in node),
    ]
    for child in children:
        if isinstance(child, dict):
            _constraints(child, found)
    return found


def test_every_pattern_limit_and_enum_of_the_validator_is_the_schemas() -> None:
    """Walking the schema from the top, each field's type, pattern, bounds and enum are the
    validator's, and every constraint the schema writes is reached on the way."""
    seen: Seen = set()
    _compare(SCHEMA, fmt.TEMPLATE, "", seen)
    written = _constraints(SCHEMA, set())
    assert len(written) > 40  # the schema's 30-odd patterns and limits, and its enums
    assert seen == written


def test_the_schema_the_tests_read_is_the_one_the_package_serves() -> None:
    """The bundled schema, the tests' copy and the reference are one document."""
    from orgo_async.emulator._schema_check import load_schema

    assert load_schema() == (DATA / "orgo-template-schema.v1.json").read_bytes()
