"""What the workspace services refuse: unseen, not allowed, archived, changed meanwhile."""

from __future__ import annotations

from portal.services.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    RuleError,
    StaleEditError,
)


class WorkspaceRuleError(RuleError):
    """A workspace change that the portal's rules refuse."""


class WorkspaceNotFoundError(WorkspaceRuleError, NotFoundError):
    """No such workspace, or the person is not a member of it."""


class WorkspaceNotAllowedError(WorkspaceRuleError, NotAllowedError):
    """The person sees the workspace but lacks the right for this."""


class WorkspaceArchivedError(WorkspaceRuleError, ConflictError):
    """The workspace is archived, so read-only."""


class WorkspaceConflictError(WorkspaceRuleError, StaleEditError):
    """The workspace or membership changed since the form was rendered."""
