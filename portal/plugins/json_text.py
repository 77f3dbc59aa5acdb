"""Reading a JSON object typed, pasted or uploaded, with messages that say where it breaks."""

from __future__ import annotations

import json
from typing import Any, NoReturn


class JSONTextError(ValueError):
    """The text is not one JSON object the portal can take; the message says why and where."""


def _kind(value: Any) -> str:
    kinds = ((bool, "true or false"), (int, "a number"), (float, "a number"), (str, "a string"))
    kinds += ((list, "an array"),)
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


def parse_json_object(text: str, *, what: str) -> dict[str, Any]:
    """Parse ``text`` as one JSON object: no NaN or Infinity, no key given twice."""

    def no_constant(name: str) -> NoReturn:
        raise JSONTextError(f"The {what} is not valid JSON: {name} is not a JSON value.")

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise JSONTextError(f"The {what} is not valid JSON: the key {key!r} appears twice.")
            result[key] = value
        return result

    try:
        value = json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_constant)
    except json.JSONDecodeError as exc:
        raise JSONTextError(
            f"The {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise JSONTextError(f"The {what} nests too deeply to be read.") from exc
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        if isinstance(exc, JSONTextError):
            raise
        raise JSONTextError(f"The {what} is not valid JSON: {exc}.") from exc
    if not isinstance(value, dict):
        raise JSONTextError(f"The {what} must be a JSON object ({{…}}), not {_kind(value)}.")
    return value
