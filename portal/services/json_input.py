"""JSON typed into forms: one object, bounded in size and depth, with person-readable errors.

Generic on purpose (model metrics and parameters, plugin configs): the caller names the
field, the limits, and checks the shape of what comes back.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 10
# Longer integers than this are refused (Python would refuse past 4,300 digits with a crash).
MAX_INT_DIGITS = 300
# A JSON string (skipped whole, brackets inside it do not nest) or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONInputError(ValueError):
    """JSON text that cannot be accepted; the message is for the person."""


class _Refused(Exception):
    """Raised from inside the parser's hooks; turned into a JSONInputError."""


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: "a string", "an array", "true/false", ..."""
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def json_path(field: str, parts: tuple[str | int, ...]) -> str:
    """A readable location such as ``parameters.layers[2].name``."""
    text = field
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def _check_depth(text: str, field: str, max_depth: int) -> None:
    """Refuse nesting beyond ``max_depth`` before parsing (deep input would exhaust the stack)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                where = _position(text, match.start())
                raise JSONInputError(
                    f"{field} is nested too deeply ({where}): at most {max_depth} levels."
                )
        elif bracket in "]}":
            depth -= 1


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"contains {name}, which is not a number: give a number or leave it out.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"contains {text}, a number too large to store.")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"contains a number with more than {MAX_INT_DIGITS} digits.")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f'has the key "{key[:100]}" twice in one object.')
        result[key] = value
    return result


def _strings(value: Any, parts: tuple[str | int, ...] = ()) -> Iterator[tuple[str, tuple]]:
    """Every key and string value with its location (nesting is already bounded)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, parts
            yield from _strings(item, (*parts, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*parts, index))
    elif isinstance(value, str):
        yield value, parts


def _check_strings(value: dict[str, Any], field: str) -> None:
    """Refuse what PostgreSQL cannot store in JSONB: NUL characters, unpaired surrogates."""
    for text, parts in _strings(value):
        where = json_path(field, parts)
        if "\x00" in text:
            raise JSONInputError(
                f"{where} contains a NUL character (\\u0000), which is not allowed."
            )
        if _SURROGATE.search(text):
            raise JSONInputError(
                f"{where} contains an unpaired surrogate (\\ud800-\\udfff), which is not text."
            )


def parse_json_object(
    text: str,
    *,
    field: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Parse ``text`` as one JSON object, or raise JSONInputError saying what is wrong and where.

    Refuses more than ``max_bytes`` (UTF-8), nesting deeper than ``max_depth`` (the object
    itself is level 1), NaN and Infinity, overflowing numbers, duplicate keys, NUL characters
    and unpaired surrogates anywhere, and anything but an object at the top.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        kb = f" ({max_bytes // 1024} KB)" if max_bytes >= 1024 and not max_bytes % 1024 else ""
        raise JSONInputError(f"{field} is too large: {size:,} bytes, at most {max_bytes:,}{kb}.")
    if not text.strip():
        raise JSONInputError(f"{field} is empty: give a JSON object, such as {{}}.")
    _check_depth(text, field, max_depth)
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise JSONInputError(
            f"{field} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from exc
    except _Refused as exc:
        raise JSONInputError(f"{field} {exc}") from exc
    except RecursionError as exc:  # belt and braces: the depth check runs first
        raise JSONInputError(f"{field} is nested too deeply: at most {max_depth} levels.") from exc
    if not isinstance(value, dict):
        raise JSONInputError(f"{field} must be a JSON object ({{…}}), not {json_kind(value)}.")
    _check_strings(value, field)
    return value
