"""Roles and the user ↔ role link."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.base import JSONType, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

if TYPE_CHECKING:
    from portal.models.users import User


class Role(UUIDPrimaryKey, Timestamps, Model):
    """A named set of permissions."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    requires_mfa: Mapped[bool] = mapped_column(Boolean, default=False)
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


# Role names are unique whatever their case ("Lab" and "lab" cannot both exist).
Index("uq_roles_lower_name", func.lower(Role.__table__.c.name), unique=True)


class UserRole(Model):
    """A role held by a user, with who granted it and when."""

    __tablename__ = "user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="role_links")
    role: Mapped[Role] = relationship()
