"""What signing in refuses: a second-factor step, or too many failures in a window."""

from __future__ import annotations

from portal.services.errors import RuleError


class MFAError(RuleError):
    """An MFA step the portal refuses."""


class RateLimited(Exception):
    """Too many failures in the current window; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after
