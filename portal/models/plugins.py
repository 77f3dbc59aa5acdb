"""The plugin registry (rows with a validated manifest, not imported code)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import JSONType, Timestamps, UUIDPrimaryKey
from portal.models.users import User


class Plugin(UUIDPrimaryKey, Timestamps, db.Model):
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
