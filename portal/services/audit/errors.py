"""What reading the audit trail refuses."""

from __future__ import annotations

from portal.services.errors import NotFoundError


class AuditEventNotFoundError(NotFoundError):
    """No such event, or one outside what the person may see."""
