"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.base import JSONType, UTCDateTime, UUIDPrimaryKey, utcnow


class AuditLog(UUIDPrimaryKey, Model):
    """One recorded event. No foreign keys: a row outlives the user or object it names."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_actor_id_seq", "actor_id", "seq"),
        Index("ix_audit_logs_action_seq", "action", "seq"),
        Index("ix_audit_logs_target_seq", "target_type", "target_id", "seq"),
        Index("ix_audit_logs_workspace_id_seq", "workspace_id", "seq"),
        Index("ix_audit_logs_created_at", "created_at"),
        Index("ix_audit_logs_actor_email_seq", "actor_email", "seq"),
        Index("ix_audit_logs_ip_seq", "ip", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Model):
    """The chain's newest seq and hash: one row, locked by every writer to serialise the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
