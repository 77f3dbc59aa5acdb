"""A workspace's settings as typed in a form: a JSON object PostgreSQL's JSONB will take."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_SETTINGS_BYTES = 64 * 1024
MAX_DEPTH = 32
TYPE_NAMES = {
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


class SettingsError(ValueError):
    """Settings text that is not an acceptable JSON object; the message is for the person."""


def _refuse_constant(name: str) -> Any:
    raise SettingsError(f"Settings may not contain {name}: it is not part of JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SettingsError(f"The number {text[:20]} is too large.")
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise SettingsError("Settings may not contain the NUL character (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SettingsError("Settings contain an unpaired Unicode surrogate (\\ud800…).") from exc


def _check_values(value: Any) -> None:
    """Walk the parsed value (without recursion): depth, NUL and surrogates refused."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise SettingsError(f"Settings are nested too deeply (at most {MAX_DEPTH} levels).")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item)


def parse_settings(text: str) -> dict[str, Any]:
    """The JSON object in ``text`` (empty text is ``{}``), or a SettingsError saying why not."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SETTINGS_BYTES:
        raise SettingsError(
            f"Settings may be at most 64 KB of JSON; this is {size / 1024:,.1f} KB."
        )
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except SettingsError:
        raise
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"Settings are not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from exc
    except RecursionError as exc:
        raise SettingsError(
            f"Settings are nested too deeply (at most {MAX_DEPTH} levels)."
        ) from exc
    except ValueError as exc:  # Python refuses integers of thousands of digits
        raise SettingsError("Settings contain a number with too many digits.") from exc
    if not isinstance(value, dict):
        kind = TYPE_NAMES.get(type(value), "not an object")
        raise SettingsError(f'Settings must be a JSON object like {{"key": "value"}}, not {kind}.')
    _check_values(value)
    return value
