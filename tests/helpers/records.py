"""Counting rows, to show that a refused request changed nothing."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditLog


def row_count(model: type) -> int:
    """How many rows of ``model`` exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def audit_count() -> int:
    """How many audit rows exist."""
    return row_count(AuditLog)
