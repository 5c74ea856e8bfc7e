"""Sugar expands to the canonical form; clashes are reported where the user wrote them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orgo_async.documents import load_template, validate_template
from orgo_async.documents.sugar import WALLPAPER_COMMAND, WALLPAPER_PATH, expand_sugar
from tests.unit.documents.helpers import DATA, codes

SUGAR = {"api_version": "orgo.ai/v1", "name": "demo@1.0.0"}


def sugar(**fields: Any) -> dict[str, Any]:
    return {**SUGAR, **fields}


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    return load_template(document).to_dict()


def test_minimal_example_expands_to_canonical() -> None:
    """The documented minimal sugar example becomes exactly its canonical document."""
    assert load_template(DATA / "minimal.yaml").to_dict() == {
        "api_version": "orgo.ai/v1",
        "template": {"name": "my-template", "version": "1.0.0"},
        "hardware": {"cpu": 2, "ram_gb": 4, "resolution": "1280x800x24"},
    }


def test_two_forms_normalize_to_the_same_document() -> None:
    """The documented sugar and canonical forms normalize to the same dict."""
    assert (
        load_template(DATA / "schema-two-forms-sugar.yaml").to_dict()
        == load_template(DATA / "schema-two-forms-canonical.yaml").to_dict()
    )


@pytest.mark.parametrize(
    ("ram", "gb"),
    [
        pytest.param(4, 4, id="bare-int"),
        pytest.param("4gb", 4, id="gb"),
        pytest.param("8GB", 8, id="upper-case"),
        pytest.param("16 GB", 16, id="with-space"),
        pytest.param("32g", 32, id="g"),
        pytest.param("64GiB", 64, id="gib"),
        pytest.param("4096mb", 4, id="mb-multiple-of-1024"),
        pytest.param("8192 MB", 8, id="mb-with-space"),
    ],
)
def test_ram_spellings(ram: Any, gb: int) -> None:
    """Every accepted ram spelling becomes hardware.ram_gb."""
    assert canonical(sugar(ram=ram))["hardware"] == {"ram_gb": gb}


@pytest.mark.parametrize(
    ("ram", "code"),
    [
        pytest.param("3gb", "invalid_enum", id="not-an-offered-size"),
        pytest.param(128, "invalid_enum", id="too-big"),
        pytest.param("4000mb", "pattern", id="mb-not-whole-gb"),
        pytest.param("4.5gb", "pattern", id="fraction"),
        pytest.param("lots", "pattern", id="words"),
        pytest.param("4  gb", "pattern", id="two-spaces"),
        pytest.param(True, "type", id="bool"),
        pytest.param(4.0, "type", id="float"),
    ],
)
def test_ram_bad_spellings(ram: Any, code: str) -> None:
    """A ram value that is not a whole offered size is one issue at `ram`."""
    assert codes(sugar(ram=ram)) == {("ram", code)}


def test_ram_enum_message_names_sugar_sizes() -> None:
    """The ram issue lists the sizes in the spelling the user wrote."""
    (issue,) = validate_template(sugar(ram="3gb"))
    assert issue.message == "ram must be one of 4gb, 8gb, 16gb, 32gb, 64gb"


@pytest.mark.parametrize(
    ("display", "resolution"),
    [
        pytest.param("1280x800", "1280x800x24", id="depth-24-added"),
        pytest.param("1920x1080x16", "1920x1080x16", id="depth-kept"),
        pytest.param(" 1280x720 ", "1280x720x24", id="spaces-trimmed"),
    ],
)
def test_display(display: str, resolution: str) -> None:
    """display becomes hardware.resolution, with depth 24 unless one is given."""
    assert canonical(sugar(display=display))["hardware"] == {"resolution": resolution}


@pytest.mark.parametrize(
    ("display", "code"),
    [
        pytest.param("big", "pattern", id="words"),
        pytest.param("1280", "pattern", id="width-only"),
        pytest.param(1280, "type", id="number"),
    ],
)
def test_display_bad(display: Any, code: str) -> None:
    """A display that is not WIDTHxHEIGHT[xDEPTH] is one issue at `display`."""
    assert codes(sugar(display=display)) == {("display", code)}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("demo", "pattern", id="no-version"),
        pytest.param("demo@1.0.0@2", "pattern", id="two-ats"),
        pytest.param(7, "type", id="number"),
    ],
)
def test_name_sugar_bad(name: Any, code: str) -> None:
    """A name that is not <name>@<version> is one issue at `name` (no `template` required issue)."""
    assert codes({"api_version": "orgo.ai/v1", "name": name}) == {("name", code)}


@pytest.mark.parametrize(
    ("name", "field_code"),
    [
        pytest.param("Demo@1.0.0", ("name", "pattern"), id="name-pattern-at-sugar-key"),
        pytest.param("demo@1.0", ("name", "pattern"), id="version-pattern-at-sugar-key"),
    ],
)
def test_name_sugar_parts_are_checked_at_the_sugar_key(
    name: str, field_code: tuple[str, str]
) -> None:
    """The name and version taken from `name:` are checked, and reported at `name`."""
    assert codes({"api_version": "orgo.ai/v1", "name": name}) == {field_code}


def test_cpu_sugar_error_is_reported_at_cpu_with_documented_message() -> None:
    """cpu: 3 written as sugar reports at `cpu` with the documented message."""
    (issue,) = validate_template(sugar(cpu=3))
    assert (issue.field, issue.code, issue.message) == (
        "cpu",
        "invalid_enum",
        "cpu must be one of 1, 2, 4, 8, 16",
    )


MIXES = [
    pytest.param(sugar(cpu=2, hardware={"cpu": 2, "ram_gb": 8}), None, id="cpu-equal-merges"),
    pytest.param(sugar(cpu=2, hardware={"cpu": 2.0}), None, id="cpu-equal-number-merges"),
    pytest.param(sugar(cpu=2, hardware={"cpu": 4}), ("cpu", "conflict", "warning"), id="cpu-clash"),
    pytest.param(
        sugar(ram="8gb", hardware={"ram_gb": 4}), ("ram", "conflict", "warning"), id="ram-clash"
    ),
    pytest.param(
        sugar(display="1280x800", hardware={"resolution": "1280x800x24"}), None, id="display-equal"
    ),
    pytest.param(
        sugar(display="1280x800", hardware={"resolution": "1024x768x24"}),
        ("display", "conflict", "warning"),
        id="display-clash",
    ),
    pytest.param(
        sugar(template={"name": "demo", "version": "1.0.0", "description": "d"}),
        None,
        id="name-with-template-merges",
    ),
    pytest.param(sugar(template={"description": "d"}), None, id="name-fills-template"),
    pytest.param(
        sugar(template={"name": "other", "version": "1.0.0"}),
        ("name", "conflict", "warning"),
        id="name-clash",
    ),
    pytest.param(
        sugar(on_resume="a", hooks={"on_resume": "b"}),
        ("on_resume", "conflict", "warning"),
        id="hook-clash",
    ),
    pytest.param(sugar(on_resume="a", hooks={"on_shutdown": "b"}), None, id="hooks-merge"),
    pytest.param(
        sugar(files={"/srv/a": {"to": "/srv/b", "inline": "x"}}),
        ('files["/srv/a"].to', "conflict", "warning"),
        id="map-file-to-clash",
    ),
    pytest.param(
        sugar(files={"/srv/a": {"to": "/srv/a", "inline": "x"}}), None, id="map-file-to-equal"
    ),
]


@pytest.mark.parametrize(("document", "expected"), MIXES)
def test_mixing_sugar_and_canonical(
    document: dict[str, Any], expected: tuple[str, ...] | None
) -> None:
    """Equal sugar and canonical values merge; different ones are a conflict warning at sugar."""
    assert codes(document) == ({expected} if expected else set())


def test_name_fills_template_block() -> None:
    """name: sugar merges into a template block that only carries a description."""
    assert canonical(sugar(template={"description": "d"}))["template"] == {
        "description": "d",
        "name": "demo",
        "version": "1.0.0",
    }


def test_map_files_expand_in_order() -> None:
    """Map-form files become list entries in the mapping's order, string and object values."""
    document = sugar(files={"/srv/b": "text", "/srv/a": {"mode": "0755", "inline": "#!/bin/sh"}})
    assert canonical(document)["files"] == [
        {"to": "/srv/b", "inline": "text"},
        {"to": "/srv/a", "inline": "#!/bin/sh", "mode": "0755"},
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"/srv/a": {"inline": "x", "mode": 755}},
            ('files["/srv/a"].mode', "type"),
            id="object-field",
        ),
        pytest.param({"/proc/a": "x"}, ('files["/proc/a"]', "reserved_path"), id="destination"),
        pytest.param({"/srv/a": None}, ('files["/srv/a"]', "type"), id="null-value"),
        pytest.param(
            {"/srv/a": {"mode": "0644"}}, ('files["/srv/a"]', "exactly_one_of"), id="no-content"
        ),
        pytest.param({"~/a": "x"}, None, id="home"),
        pytest.param({1: "x"}, ("files", "type"), id="key-not-a-path"),
    ],
)
def test_map_file_issues_point_at_the_key(
    files: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    """Problems in a map-form file are reported under its key as written."""
    assert codes(sugar(files=files)) == ({expected} if expected else set())


@pytest.mark.parametrize(
    "hook", ["on_first_boot", "on_every_boot", "on_pre_snapshot", "on_resume", "on_shutdown"]
)
def test_top_level_hooks(hook: str) -> None:
    """Each top-level hook moves under hooks."""
    assert canonical(sugar(**{hook: "echo hi\n"}))["hooks"] == {hook: "echo hi\n"}


def test_wallpaper_expansion() -> None:
    """wallpaper becomes a runtime file plus an on_every_boot line."""
    result = canonical(sugar(wallpaper="https://example.com/bg.png"))
    assert result["files"] == [
        {"to": WALLPAPER_PATH, "from": "https://example.com/bg.png", "when": "runtime"}
    ]
    assert result["hooks"] == {"on_every_boot": f"{WALLPAPER_COMMAND}\n"}


def test_wallpaper_appends_to_existing_files_and_hook() -> None:
    """wallpaper's file comes after the written files, its line after the written hook."""
    result = canonical(
        sugar(
            wallpaper="https://example.com/bg.png",
            files={"/srv/a": "x"},
            on_every_boot="echo boot",
        )
    )
    assert [entry["to"] for entry in result["files"]] == ["/srv/a", WALLPAPER_PATH]
    assert result["hooks"]["on_every_boot"] == f"echo boot\n{WALLPAPER_COMMAND}\n"


def test_wallpaper_equals_its_canonical_spelling() -> None:
    """A document using wallpaper equals one that writes the expansion out."""
    written = {
        "api_version": "orgo.ai/v1",
        "template": {"name": "demo", "version": "1.0.0"},
        "files": [{"to": WALLPAPER_PATH, "from": "https://example.com/bg.png", "when": "runtime"}],
        "hooks": {"on_every_boot": f"{WALLPAPER_COMMAND}\n"},
    }
    assert load_template(sugar(wallpaper="https://example.com/bg.png")) == load_template(written)


@pytest.mark.parametrize(
    ("wallpaper", "code"),
    [
        pytest.param("ftp://example.com/bg.png", "format", id="scheme"),
        pytest.param(["x"], "type", id="list"),
    ],
)
def test_wallpaper_bad(wallpaper: Any, code: str) -> None:
    """A bad wallpaper value is reported at `wallpaper`."""
    assert codes(sugar(wallpaper=wallpaper)) == {("wallpaper", code)}


def test_expansion_never_modifies_its_input() -> None:
    """Expanding sugar leaves the caller's data untouched."""
    document = sugar(
        cpu=2,
        hardware={"ram_gb": 4},
        files={"/srv/a": {"inline": "x"}},
        wallpaper="https://x/bg.png",
        hooks={"on_every_boot": "a"},
    )
    before = copy.deepcopy(document)
    expand_sugar(document)
    assert document == before
