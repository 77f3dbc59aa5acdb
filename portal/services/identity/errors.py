"""What the identity services refuse: user and role changes, passwords, set-password links."""

from __future__ import annotations

from portal.services.errors import RuleError, StaleEditError


class UserRuleError(RuleError):
    """A user change that the portal's rules refuse."""


class DuplicateEmailError(UserRuleError):
    """Another account already uses the email."""


class EditConflictError(UserRuleError, StaleEditError):
    """The user changed since the form was rendered (optimistic locking)."""


class RoleRuleError(RuleError):
    """A role change that the portal's rules refuse."""


class PasswordChangeError(RuleError):
    """The new password is refused."""


class PasswordLinkError(RuleError):
    """The set-password link is unknown, used or expired."""
