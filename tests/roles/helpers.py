"""Helpers of the /roles tests: the roles and their audit rows as stored now."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Role
from tests.helpers.records import row_count


def role_by_name(name: str) -> Role | None:
    """The role called ``name`` as stored now."""
    return db.session.scalar(select(Role).where(Role.name == name))


def role_count() -> int:
    """How many roles exist."""
    return row_count(Role)


def audit_count() -> int:
    """How many audit rows of the role.* kind exist (refusals must add none)."""
    stmt = select(func.count()).select_from(AuditLog).where(AuditLog.action.like("role.%"))
    return db.session.scalar(stmt) or 0
