"""Collaborative workspaces and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.base import JSONType, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from portal.models.users import User

WORKSPACE_ROLES = ("owner", "editor", "viewer")


class Workspace(UUIDPrimaryKey, Timestamps, Model):
    """A shared research workspace run by a PI (its owner)."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Optimistic locking: edits check and bump it; counters (sign-ins) leave it alone.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    owner: Mapped[User] = relationship()
    members: Mapped[list[WorkspaceMember]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class WorkspaceMember(UUIDPrimaryKey, Model):
    """A user's membership of a workspace, with their place in it."""

    __tablename__ = "workspace_members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", name="uq_workspace_members_workspace_user"),
        CheckConstraint("role IN ('owner', 'editor', 'viewer')", name="role_valid"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
