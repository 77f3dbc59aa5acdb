"""The plugin manifest contract: the published JSON Schema, validation with readable errors."""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.validators import extend
from referencing import Registry
from referencing.exceptions import Unresolvable

from portal.security.permissions import ALL_PERMISSIONS

# The published file is the one source: the portal validates with exactly what it documents.
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "plugin-manifest.schema.json"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_DEPTH = 32
_QUOTE_CHARS = 60
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string"}
_TYPE_NAMES |= {"boolean": "a boolean", "number": "a number", "integer": "an integer"}
# What a value that fails a manifest field's pattern should have looked like.
_PATTERN_HINTS = {
    "name": "a plugin name: 2 to 64 lowercase letters, digits and hyphens, starting with a letter",
    "version": "a semantic version MAJOR.MINOR.PATCH with an optional pre-release (1.2.0-rc.1)",
    "entry_point": "an entry point of the form module.path:callable",
    "homepage": "an http:// or https:// URL",
}


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """``pattern`` with ECMA-262's ``$``: the end of the text, not before a final newline."""
    if not validator.is_type(instance, "string"):
        return
    regex = (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    )
    if not re.search(regex, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = extend(Draft202012Validator, {"pattern": _ecma_pattern})
# The draft's format checks, plus "uri" (jsonschema checks it only with rfc3987 installed).
FORMATS = FormatChecker(formats=())
FORMATS.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    """An absolute URI with a host and no spaces or control characters."""
    if not isinstance(value, str):
        return True
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@cache
def manifest_schema() -> dict[str, Any]:
    """The published schema with ``permissions.items.enum`` set to the portal's permissions."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema["properties"]["permissions"]["items"]["enum"] = list(ALL_PERMISSIONS)
    Draft202012Validator.check_schema(schema)
    return schema


def _validator(schema: dict[str, Any]) -> Any:
    # An empty registry: a schema may never make the portal fetch a remote reference.
    return _Validator(schema, format_checker=FORMATS, registry=Registry())


def format_path(parts: Iterable[Any], root: str = "(manifest)") -> str:
    """``permissions[2]``, ``config_schema.properties.url``, or ``root`` for the top."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or root


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1] + "…"


def _sort_key(item: tuple[tuple[Any, ...], str]) -> tuple[Any, ...]:
    path, message = item
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path), message


def _messages(error: ValidationError) -> Iterator[tuple[list[Any], str, bool]]:
    """(path, message, is-a-type-error) for one jsonschema error, in words a person can act on."""
    path, kind, value = list(error.absolute_path), error.validator, error.instance
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    in_manifest = path[:1] != ["config_schema"]
    # A validator's error always has its rule and schema (the stubs also allow ``Unset``).
    if kind == "required" and isinstance(value, dict):
        for name in cast("list[str]", error.validator_value):
            if name not in value:
                yield [*path, name], "is required.", False
    elif kind == "additionalProperties" and isinstance(value, dict):
        schema = cast("Mapping[str, Any]", error.schema)
        allowed = sorted(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        listed = f" (allowed: {', '.join(allowed)})" if allowed and not patterns else ""
        for extra in sorted(k for k in value if k not in allowed and not _matches(patterns, k)):
            yield [*path, extra], f"is not an allowed field{listed}.", False
    elif kind == "type":
        wanted = cast("str | list[str]", error.validator_value)
        wanted = " or ".join(
            _TYPE_NAMES.get(w, w) for w in (wanted if isinstance(wanted, list) else [wanted])
        )
        yield path, f"must be {wanted}, not {_json_type(value)}.", True
    elif kind == "enum" and path[:1] == ["permissions"]:
        yield path, f"{_quote(value)} is not a portal permission.", False
    elif kind == "pattern" and field in _PATTERN_HINTS and in_manifest:
        yield path, f"{_quote(value)} is not {_PATTERN_HINTS[field]}.", False
    elif kind in ("maxLength", "minLength") and isinstance(value, str):
        bound = "at most" if kind == "maxLength" else "at least"
        limit = error.validator_value
        yield path, f"is {len(value):,} characters long; it must be {bound} {limit:,}.", False
    elif kind == "uniqueItems" and isinstance(value, list):
        seen: list[Any] = []
        repeated: list[Any] = []
        for item in value:
            (repeated if item in seen and item not in repeated else seen).append(item)
        yield path, f"lists {', '.join(_quote(v) for v in repeated)} more than once.", False
    elif kind == "const":
        yield path, f"must be {json.dumps(error.validator_value)}, not {_quote(value)}.", False
    elif kind == "format":
        yield path, f"{_quote(value)} is not a valid {error.validator_value}.", False
    else:
        yield path, error.message.rstrip(".") + ".", False


def _matches(patterns: list[str], key: str) -> bool:
    return any(re.search(pattern, key) for pattern in patterns)


def _json_type(value: Any) -> str:
    kinds: tuple[tuple[type, str], ...]
    kinds = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))
    kinds += ((list, "array"), (dict, "object"))
    return next((_TYPE_NAMES[name] for kind, name in kinds if isinstance(value, kind)), "null")


def describe_errors(
    errors: Iterable[ValidationError], prefix: Iterable[Any] = (), root: str = "(manifest)"
) -> list[str]:
    """One ``path: message`` per problem, sorted by path; a type error hides its siblings."""
    found = [([*prefix, *path], msg, typed) for e in errors for path, msg, typed in _messages(e)]
    mistyped = {tuple(path) for path, _, typed in found if typed}
    kept = dict.fromkeys(
        (tuple(path), msg) for path, msg, typed in found if typed or tuple(path) not in mistyped
    )
    return [f"{format_path(p, root)}: {m}" for p, m in sorted(kept, key=_sort_key)]


def storage_problems(value: Any, root: str = "(manifest)") -> list[str]:
    """Values PostgreSQL cannot store: NUL characters, lone surrogates, infinities, deep nests."""
    problems: list[str] = []
    stack: list[tuple[Any, list[Any], int]] = [(value, [], 0)]
    while stack and len(problems) < 20:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(f"{format_path(path, root)}: nests deeper than {MAX_DEPTH} levels.")
            continue
        if isinstance(item, float) and not math.isfinite(item):
            problems.append(f"{format_path(path, root)}: is not a finite number.")
        texts = [item] if isinstance(item, str) else list(item) if isinstance(item, dict) else []
        for text in texts:
            if "\x00" in text:
                problems.append(f"{format_path(path, root)}: contains a NUL character (\\u0000).")
            elif _SURROGATE.search(text):
                problems.append(f"{format_path(path, root)}: contains an unpaired surrogate.")
        if isinstance(item, dict):
            stack.extend((v, [*path, k], depth + 1) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, [*path, i], depth + 1) for i, v in enumerate(item))
    return sorted(problems)


def _remote_references(schema: Any, path: list[Any]) -> Iterator[str]:
    """Messages for ``$ref``/``$dynamicRef`` values that point outside the schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if (
                key in ("$ref", "$dynamicRef")
                and isinstance(value, str)
                and not value.startswith("#")
            ):
                where = format_path([*path, key])
                yield f"{where}: only local references (#...) are allowed, not {_quote(value)}."
            else:
                yield from _remote_references(value, [*path, key])
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _remote_references(value, [*path, index])


def config_schema_problems(config_schema: dict[str, Any]) -> list[str]:
    """Why ``config_schema`` is not a usable JSON Schema 2020-12 (``check_schema``'s errors)."""
    declared = config_schema.get("$schema", DRAFT_2020_12)
    if declared != DRAFT_2020_12:
        return [
            f"config_schema.$schema: only {DRAFT_2020_12} is supported, not {_quote(declared)}."
        ]
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=FORMATS)
    problems = describe_errors(meta.iter_errors(config_schema), prefix=["config_schema"])
    return sorted([*problems, *_remote_references(config_schema, ["config_schema"])])


def validate_manifest(manifest: Any) -> list[str]:
    """Every problem of ``manifest`` (sorted by path); empty when it is valid."""
    if not isinstance(manifest, dict):
        return [f"(manifest): must be a JSON object, not {_json_type(manifest)}."]
    problems = storage_problems(manifest)
    if problems:
        return problems
    problems = describe_errors(_validator(manifest_schema()).iter_errors(manifest))
    config_schema = manifest.get("config_schema")
    if isinstance(config_schema, dict) and not any(p.startswith("config_schema") for p in problems):
        problems += config_schema_problems(config_schema)
    return problems


def config_problems(config_schema: dict[str, Any], config: Any) -> list[str]:
    """Why ``config`` does not validate against ``config_schema`` (field paths named)."""
    problems = storage_problems(config, root="(configuration)")
    if problems:
        return problems
    try:
        errors = list(_validator(config_schema).iter_errors(config))
    except (Unresolvable, re.error) as exc:
        return [f"config_schema: a reference cannot be resolved ({exc})."]
    return describe_errors(errors, root="(configuration)")


def default_config(config_schema: dict[str, Any]) -> dict[str, Any]:
    """A first configuration: the ``default`` of each top-level property that declares one."""
    properties = config_schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {
        key: copy.deepcopy(spec["default"])
        for key, spec in properties.items()
        if isinstance(spec, dict) and "default" in spec
    }


def version_key(version: str) -> tuple[Any, ...]:
    """Semantic-version precedence: numbers compared as numbers, a pre-release sorts first."""
    core, _, pre = version.partition("-")
    try:
        numbers = tuple(int(part) for part in core.split("."))
    except ValueError:
        numbers = ()
    if not pre:
        return (numbers, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (numbers, 0, ids)
