"""What the system services refuse."""

from __future__ import annotations

from portal.services.errors import RuleError


class CacheUnavailable(RuleError):
    """Redis cannot be reached: nothing was flushed."""
