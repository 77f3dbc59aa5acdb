"""Rules that protect the portal from locking itself out."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User, UserRole

ADMIN_ROLE = "Admin"


def active_admin_count() -> int:
    """How many active users hold the Admin role."""
    stmt = (
        select(func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(Role.name == ADMIN_ROLE, User.is_active.is_(True))
    )
    return db.session.scalar(stmt) or 0


def is_active_admin(user: User) -> bool:
    """True when ``user`` is active and holds the Admin role."""
    return user.is_active and any(role.name == ADMIN_ROLE for role in user.roles)


def is_last_active_admin(user: User) -> bool:
    """True when ``user`` is the only active Admin (never deactivate, demote or strip them)."""
    return is_active_admin(user) and active_admin_count() <= 1
