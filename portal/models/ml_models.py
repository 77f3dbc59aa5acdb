"""The ML model registry."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.base import JSONType, Timestamps, UUIDPrimaryKey
from portal.models.users import User
from portal.models.workspaces import Workspace

MODEL_STAGES = ("draft", "staging", "production", "archived")


class MLModel(UUIDPrimaryKey, Timestamps, Model):
    """One registered version of a model in a workspace."""

    __tablename__ = "ml_models"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "name", "version", name="uq_ml_models_workspace_name_version"
        ),
        CheckConstraint(
            "stage IN ('draft', 'staging', 'production', 'archived')", name="stage_valid"
        ),
        Index("ix_ml_models_stage", "stage"),
        # At most one production version per workspace and name, whatever races happen.
        Index(
            "uq_ml_models_one_production",
            "workspace_id",
            "name",
            unique=True,
            postgresql_where=text("stage = 'production'"),
            sqlite_where=text("stage = 'production'"),
        ),
        Index("ix_ml_models_framework", "framework"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    framework: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16), default="draft")
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    artifact_uri: Mapped[str] = mapped_column(String(1024), default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )

    workspace: Mapped[Workspace] = relationship()
    created_by: Mapped[User | None] = relationship()
