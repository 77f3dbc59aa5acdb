"""A member's last position in the shared workspace (the ``cursor`` JSON) in plain words."""

from __future__ import annotations

import re
from typing import Any

NOT_OPENED = "Not opened yet"
SOMEWHERE = "Somewhere in the workspace"
# What the platform's clients write: a view name, an optional id and zoom/page.
VIEW_RE = re.compile(r"[a-z][a-z_ -]{0,39}")
ID_RE = re.compile(r"[\w.:/#@+-]{1,120}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e9


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_cursor(cursor: Any) -> str:
    """E.g. ``{"view": "pathway", "id": "R-HSA-1640170", "zoom": 3}`` →
    "Viewing pathway R-HSA-1640170 (zoom 3)"; None → "Not opened yet"; anything else
    that is not this shape → "Somewhere in the workspace"."""
    if cursor is None:
        return NOT_OPENED
    if not isinstance(cursor, dict):
        return SOMEWHERE
    view, item = cursor.get("view"), cursor.get("id")
    if not isinstance(view, str) or not VIEW_RE.fullmatch(view):
        return SOMEWHERE
    words = ["Viewing", view.replace("_", " ").strip()]
    if item is not None:
        if isinstance(item, bool) or not ID_RE.fullmatch(_text(item)):
            return SOMEWHERE
        words.append(_text(item))
    extras = []
    for key in ("zoom", "page"):
        value = cursor.get(key)
        if value is None:
            continue
        if not _number(value):
            return SOMEWHERE
        extras.append(f"{key} {_text(value)}")
    text = " ".join(words)
    return f"{text} ({', '.join(extras)})" if extras else text
