"""The published manifest schema is the one the portal enforces; readable, sorted errors."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from portal.plugins.display import review_permissions
from portal.security.permissions import Permission
from portal.services.plugins.changes import HIGH_RISK, PERMISSION_DESCRIPTIONS
from portal.services.plugins.manifest import (
    SCHEMA_PATH,
    config_problems,
    default_config,
    manifest_schema,
    validate_manifest,
    version_key,
)
from tests.plugins.helpers import manifest


def _walk_properties(schema, path="(root)"):
    for name, spec in schema.get("properties", {}).items():
        yield f"{path}.{name}", spec
        yield from _walk_properties(spec, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield f"{path}[]", schema["items"]


def test_the_published_file_is_a_2020_12_schema_with_descriptions_everywhere():
    published = json.loads(SCHEMA_PATH.read_text())
    assert published["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert published["$id"] and published["description"]
    Draft202012Validator.check_schema(published)
    assert published["additionalProperties"] is False
    missing = [path for path, spec in _walk_properties(published) if not spec.get("description")]
    assert missing == []


def test_the_runtime_schema_is_the_published_file_plus_the_permission_enum():
    published = json.loads(SCHEMA_PATH.read_text())
    loaded = manifest_schema()
    enum = loaded["properties"]["permissions"]["items"].pop("enum")
    try:
        assert enum == [p.value for p in Permission]
        assert loaded == published
    finally:
        loaded["properties"]["permissions"]["items"]["enum"] = enum


def test_the_documented_example_is_valid():
    text = (SCHEMA_PATH.parent / "PLUGINS.md").read_text()
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    assert validate_manifest(example) == []


def test_a_valid_manifest_has_no_problems():
    assert validate_manifest(manifest()) == []
    assert validate_manifest(manifest(homepage=..., permissions=[])) == []
    assert validate_manifest(manifest(version="2.0.0-rc.1", config_schema={})) == []


@pytest.mark.parametrize(
    "name", ["a", "1abc", "-abc", "ABC", "a_b", "a" * 65, "abc\n", "abc ", "gène"]
)
def test_names_outside_the_pattern_are_refused(name):
    [problem] = validate_manifest(manifest(name=name))
    assert problem.startswith("name: ")


@pytest.mark.parametrize(
    "version", ["1", "1.0", "01.0.0", "1.0.0+build", "1.0.0-", "1.0.0-01", "v1.0.0", "\uff11.0.0"]
)
def test_versions_outside_semver_are_refused(version):
    [problem] = validate_manifest(manifest(version=version))
    assert problem.startswith("version: ")


def test_errors_are_sorted_by_path_with_numeric_indexes():
    permissions = [f"bad-{i}" for i in range(12)]
    problems = validate_manifest(manifest(permissions=permissions))
    assert problems == [
        f"permissions[{i}]: 'bad-{i}' is not a portal permission." for i in range(12)
    ]


def test_a_manifest_that_is_not_an_object():
    assert validate_manifest(["x"]) == ["(manifest): must be a JSON object, not an array."]


def test_unpaired_surrogates_and_deep_nesting_are_refused():
    assert validate_manifest(manifest(author="a\ud800")) == [
        "author: contains an unpaired surrogate."
    ]
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    [problem] = validate_manifest(manifest(config_schema={"$defs": deep}))
    assert "nests deeper than 32 levels" in problem


def test_config_is_checked_against_the_config_schema_with_paths():
    schema = {
        "type": "object",
        "properties": {
            "servers": {
                "type": "array",
                "items": {"type": "object", "properties": {"port": {"type": "integer"}}},
            },
            "mode": {"enum": ["fast", "safe"]},
        },
        "required": ["mode"],
    }
    assert config_problems(schema, {"mode": "safe", "servers": [{"port": 1}]}) == []
    assert config_problems(schema, {"servers": [{"port": 1}, {"port": "80"}]}) == [
        "mode: is required.",
        "servers[1].port: must be an integer, not a string.",
    ]
    assert config_problems(schema, {"mode": "slow"}) == [
        "mode: 'slow' is not one of ['fast', 'safe']."
    ]


def test_a_reference_is_never_fetched():
    schema = {"$ref": "#/$defs/missing"}
    [problem] = config_problems(schema, {})
    assert problem.startswith("config_schema: a reference cannot be resolved")


def test_defaults_make_the_first_configuration():
    schema = {
        "properties": {"a": {"default": [1]}, "b": {"type": "string"}, "c": {"default": None}}
    }
    assert default_config(schema) == {"a": [1], "c": None}
    assert default_config({}) == {}


def test_semantic_version_precedence():
    ordered = [
        "0.9.9",
        "0.9.10",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.10.0",
    ]
    assert sorted(reversed(ordered), key=version_key) == ordered


def test_every_permission_is_described_and_the_risky_ones_flagged():
    assert set(PERMISSION_DESCRIPTIONS) == {p.value for p in Permission}
    assert {"users.manage", "roles.manage", "audit.view_all", "audit.export", "system.cache"} <= (
        HIGH_RISK
    )
    assert "models.view" not in HIGH_RISK
    [risky, normal, unknown] = review_permissions(["users.manage", "models.view", "nope"])
    assert risky.high_risk and not normal.high_risk and unknown.high_risk
    assert normal.description == PERMISSION_DESCRIPTIONS["models.view"]
