"""Properties over generated documents: normalizing, the digest, and robustness to bad input."""

from __future__ import annotations

import contextlib
import copy
import random
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgo_async.documents import load_template, parse_document, template_digest, validate_template
from orgo_async.errors import TemplateError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

kebab = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
text = st.text(st.characters(exclude_characters="$", codec="utf-8"), max_size=30)
env_key = st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True)
semver = st.builds("{}.{}.{}".format, *[st.integers(0, 30)] * 3)


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid document in canonical form and the same document written with sugar."""
    name, version = draw(kebab), draw(semver)
    canonical: dict[str, Any] = {
        "api_version": "orgo.ai/v1",
        "template": {"name": name, "version": version},
    }
    sugar: dict[str, Any] = {"api_version": "orgo.ai/v1", "name": f"{name}@{version}"}
    if draw(st.booleans()):
        cpu = draw(st.sampled_from([0.5, 1, 2, 4, 8, 16]))
        ram = draw(st.sampled_from([4, 8, 16, 32, 64]))
        width, height = draw(st.integers(640, 4096)), draw(st.integers(480, 2160))
        depth = draw(st.sampled_from([16, 24]))
        canonical["hardware"] = {
            "cpu": cpu,
            "ram_gb": ram,
            "resolution": f"{width}x{height}x{depth}",
        }
        sugar["cpu"] = cpu
        sugar["ram"] = draw(st.sampled_from([f"{ram}gb", f"{ram} GB", f"{ram * 1024}mb", ram]))
        sugar["display"] = f"{width}x{height}" if depth == 24 else f"{width}x{height}x{depth}"
    env = draw(st.dictionaries(env_key, text, max_size=4))
    if env:
        canonical["env"] = sugar["env"] = env
    destinations = draw(st.lists(kebab, max_size=4, unique=True))
    if destinations:
        contents = [draw(text) for _ in destinations]
        canonical["files"] = [
            {"to": f"/srv/{d}", "inline": c} for d, c in zip(destinations, contents, strict=True)
        ]
        sugar["files"] = {f"/srv/{d}": c for d, c in zip(destinations, contents, strict=True)}
    app_names = draw(st.lists(kebab, max_size=3, unique=True))
    if app_names:
        canonical["apps"] = sugar["apps"] = [
            {"name": a, "services": [{"name": f"{a}-svc", "run": draw(text) or "run"}]}
            for a in app_names
        ]
    hooks = draw(st.dictionaries(st.sampled_from(["on_first_boot", "on_resume"]), text))
    if hooks:
        canonical["hooks"] = hooks
        sugar.update(hooks)
    packages = draw(st.lists(kebab, max_size=3))
    if packages:
        canonical["build"] = sugar["build"] = {"apt": packages}
    return canonical, sugar


def shuffled(value: Any, rnd: random.Random) -> Any:
    """The same data with every mapping's keys in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rnd) for v in value]
    return value


@FAST
@given(documents())
def test_normalizing_is_idempotent(forms: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Loading a template's canonical dict gives the same template, for both forms."""
    for form in forms:
        template = load_template(form)
        assert load_template(template.to_dict()) == template


@FAST
@given(documents())
def test_sugar_and_canonical_agree(forms: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """The sugar form normalizes to the canonical form and shares its digest."""
    canonical, sugar = forms
    assert load_template(sugar).to_dict() == load_template(canonical).to_dict()
    assert template_digest(sugar) == template_digest(canonical)


@FAST
@given(documents(), st.randoms(use_true_random=False))
def test_digest_ignores_key_order_and_spelling(
    forms: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random
) -> None:
    """Key order, and JSON text versus data, never change the digest."""
    canonical, _ = forms
    digest = template_digest(canonical)
    reordered = shuffled(canonical, rnd)
    assert template_digest(reordered) == digest
    assert template_digest(load_template(msgspec.json.encode(reordered))) == digest


@FAST
@given(documents(), kebab, semver, text)
def test_identity_changes_keep_the_digest(
    forms: tuple[dict[str, Any], dict[str, Any]], name: str, version: str, description: str
) -> None:
    """Renaming, re-versioning or describing a template keeps its digest."""
    canonical, _ = forms
    renamed = {
        **canonical,
        "template": {"name": name, "version": version, "description": description},
    }
    assert template_digest(renamed) == template_digest(canonical)


@FAST
@given(documents(), kebab, text)
def test_build_changes_change_the_digest(
    forms: tuple[dict[str, Any], dict[str, Any]], package: str, value: str
) -> None:
    """Adding a package or changing an env value changes the digest."""
    canonical, _ = forms
    digest = template_digest(canonical)
    build = canonical.get("build", {"apt": []})
    more = {**canonical, "build": {"apt": [*build["apt"], package]}}
    assert template_digest(more) != digest
    env = canonical.get("env", {})
    if env.get("CHANGED") != value:
        assert template_digest({**canonical, "env": {**env, "CHANGED": value}}) != digest


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        ["orgo.ai/v1", "demo@1.0.0", "${var.x}", "/proc/x", "~/a", "4gb", "secret://k"]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "api_version",
                    "template",
                    "name",
                    "version",
                    "cpu",
                    "ram",
                    "display",
                    "files",
                    "apps",
                    "services",
                    "env",
                    "vars",
                    "to",
                    "inline",
                    "from",
                    "hardware",
                    "secret",
                    "triggers",
                    "source",
                    "type",
                    "actions",
                    "wallpaper",
                    "on_resume",
                    "x",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def _only_template_errors(source: Any) -> None:
    try:
        validate_template(source)
        template = load_template(source)
    except TemplateError:
        return
    template_digest(template)
    assert load_template(template.to_dict()) == template


@FAST
@given(json_values)
def test_random_data_raises_only_template_errors(data: Any) -> None:
    """Random parsed data through validate, load and digest raises only TemplateError."""
    _only_template_errors(data)


@FAST
@given(st.text(max_size=80) | st.binary(max_size=80))
def test_random_text_raises_only_template_errors(source: str | bytes) -> None:
    """Random text and bytes through parse and load raise only TemplateError."""
    with contextlib.suppress(TemplateError):
        parse_document(source)
    _only_template_errors(source)


@FAST
@given(documents(), st.data())
def test_mutated_documents_raise_only_template_errors(
    forms: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """Replacing any part of a valid document with junk raises only TemplateError."""
    for form in forms:
        document = copy.deepcopy(form)
        paths = list(_paths(document))
        parent, key = data.draw(st.sampled_from(paths))
        parent[key] = data.draw(json_values)
        _only_template_errors(document)


def _paths(value: Any) -> Any:
    """Every (container, key) slot in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _paths(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _paths(item)
