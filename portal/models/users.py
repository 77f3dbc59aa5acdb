"""User accounts and their MFA recovery codes."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.base import Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow
from portal.models.roles import Role, UserRole


class User(UUIDPrimaryKey, Timestamps, UserMixin, Model):
    """A person who signs in to the portal."""

    __tablename__ = "users"
    __table_args__ = (
        # Prefix search (LIKE 'abc%') whatever the database's collation.
        Index(
            "ix_users_email_pattern",
            "email",
            postgresql_ops={"email": "varchar_pattern_ops"},
        ),
        Index("ix_users_created_at_id", "created_at", "id"),
    )

    # Stored lower-cased, so the unique index makes email case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    mfa_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    mfa_last_timestep: Mapped[int | None] = mapped_column(BigInteger)
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    lockout_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_login_ip: Mapped[str | None] = mapped_column(String(45))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set for accounts given a one-time password: they must choose their own first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic locking: edits check and bump it; counters (sign-ins) leave it alone.
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    role_links: Mapped[list[UserRole]] = relationship(
        foreign_keys=[UserRole.user_id],
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    roles: Mapped[list[Role]] = relationship(
        secondary="user_roles",
        primaryjoin="User.id == UserRole.user_id",
        secondaryjoin="Role.id == UserRole.role_id",
        viewonly=True,
        order_by="Role.name",
    )

    @property
    def mfa_enrolled(self) -> bool:
        return self.mfa_enrolled_at is not None

    @property
    def permissions(self) -> frozenset[str]:
        """Every permission granted by the user's roles (computed once per loaded user)."""
        cached = self.__dict__.get("_permissions")
        if cached is None:
            cached = frozenset(p for role in self.roles for p in role.permissions)
            self.__dict__["_permissions"] = cached
        return cached

    def can(self, permission: str) -> bool:
        """True when one of the user's roles grants ``permission``."""
        return self.is_active and permission in self.permissions

    @property
    def mfa_required(self) -> bool:
        return any(role.requires_mfa for role in self.roles)

    @property
    def pending_setup(self) -> str | None:
        """What the account must do before anything else: "password", "mfa" or nothing."""
        if self.must_change_password:
            return "password"
        if self.mfa_required and not self.mfa_enrolled:
            return "mfa"
        return None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


Index(
    "ix_users_lower_name_pattern",
    func.lower(User.__table__.c.name).label("lower_name"),
    postgresql_ops={"lower_name": "text_pattern_ops"},
)


class RecoveryCode(UUIDPrimaryKey, Model):
    """A hashed single-use MFA recovery code."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordToken(UUIDPrimaryKey, Model):
    """A single-use, expiring set-password link; only the token's SHA-256 is stored."""

    __tablename__ = "password_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
