"""Values as text on pages."""

from __future__ import annotations

import json
from typing import Any


def pretty_json(value: Any) -> str:
    """``value`` as indented JSON with sorted keys, non-ASCII kept readable."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
