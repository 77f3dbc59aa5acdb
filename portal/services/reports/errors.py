"""What the report services refuse, and the job's loss of its report."""

from __future__ import annotations

from portal.services.errors import ConflictError, NotFoundError, RuleError


class ReportRuleError(RuleError):
    """A report request or run that the rules refuse."""


class ReportNotFoundError(ReportRuleError, NotFoundError):
    """No such report, or not one the person may see; or its file is gone."""


class ReportNotReadyError(ReportRuleError, ConflictError):
    """The report has no file yet: it has not succeeded."""


class ReportLost(RuntimeError):
    """The report was taken from this job meanwhile (failed as stale, or retried)."""
