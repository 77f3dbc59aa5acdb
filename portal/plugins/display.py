"""How a plugin is shown: permissions in words, JSON pretty-printed, secret values hidden."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from portal.services.plugins.changes import HIGH_RISK, PERMISSION_DESCRIPTIONS

MASK = "••••••"
# Configuration keys whose values are probably credentials: never shown on the detail page.
SECRET_KEY_NAMES = re.compile(
    r"pass(word|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|auth", re.I
)


def _secret_properties(schema: Any) -> set[str]:
    """Top-level properties the schema marks ``writeOnly`` or with the ``password`` format."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return set()
    return {
        name
        for name, spec in properties.items()
        if isinstance(spec, dict)
        and (spec.get("writeOnly") is True or spec.get("format") == "password")
    }


def _mask(value: Any, secret: bool) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, secret or bool(SECRET_KEY_NAMES.search(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secret) for v in value]
    return MASK if secret and value not in (None, "") else value


def masked_config(config: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The configuration with the values of secret-looking keys replaced by a mask."""
    hidden = _secret_properties(schema)
    return {k: _mask(v, k in hidden or bool(SECRET_KEY_NAMES.search(k))) for k, v in config.items()}


@dataclass(frozen=True)
class PermissionReview:
    """One requested permission as an administrator reviews it."""

    name: str
    description: str
    high_risk: bool


def review_permissions(names: list[str]) -> list[PermissionReview]:
    """The requested permissions in words; high-risk and unknown ones flagged."""
    unknown = "Not a portal permission."
    return [
        PermissionReview(
            name,
            PERMISSION_DESCRIPTIONS.get(name, unknown),
            name in HIGH_RISK or name not in PERMISSION_DESCRIPTIONS,
        )
        for name in names
    ]
