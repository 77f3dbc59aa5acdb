"""What the plugin registry refuses; ``errors`` on the exception lists the problems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from portal.services.errors import RuleError

if TYPE_CHECKING:
    from portal.models import Plugin


class PluginRuleError(RuleError):
    """A plugin change the portal's rules refuse."""


class ManifestError(PluginRuleError):
    """A manifest that does not satisfy the published schema (one message per problem)."""

    def __init__(self, errors: Iterable[str]) -> None:
        errors = list(errors)
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(f"The manifest has {len(errors)} {noun}.", errors=errors)


class DuplicatePluginError(PluginRuleError):
    """A plugin with the manifest's name is registered already."""

    def __init__(self, message: str, existing: Plugin | None) -> None:
        super().__init__(message)
        self.existing = existing
