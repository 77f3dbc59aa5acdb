"""The plugin registry (rows with a validated manifest, not imported code)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.base import JSONType, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from portal.models.users import User


class Plugin(UUIDPrimaryKey, Timestamps, Model):
    """A registered plugin: manifest, requested permissions, configuration, enabled flag."""

    __tablename__ = "plugins"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    version: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    requested_permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    installed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )

    installed_by: Mapped[User | None] = relationship()
    versions: Mapped[list[PluginVersion]] = relationship(
        back_populates="plugin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PluginVersion.installed_at.desc()",
    )


class PluginVersion(UUIDPrimaryKey, Model):
    """Every manifest a plugin was installed with: its history, and what a downgrade restores."""

    __tablename__ = "plugin_versions"
    __table_args__ = (
        UniqueConstraint("plugin_id", "version", name="uq_plugin_versions_plugin_version"),
    )

    plugin_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plugins.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(32))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    installed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )

    plugin: Mapped[Plugin] = relationship(back_populates="versions")
