"""factory_boy factories bound to the test session."""

from __future__ import annotations

from collections.abc import Iterable

import factory
from argon2 import PasswordHasher
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    MLModel,
    Plugin,
    Report,
    Role,
    User,
    UserRole,
    Workspace,
    WorkspaceMember,
)
from portal.models.base import utcnow
from portal.security.crypto import encrypt

PASSWORD = "correct horse battery staple"
# The TOTP secret of every factory user made with mfa=True.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Hashed once with the tests' cheap argon2id settings: users are made fast.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


def role_named(name: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.name == name))
    assert role is not None, f"no role {name}"
    return role


def custom_role(
    name: str,
    permissions: Iterable[str] = (),
    *,
    requires_mfa: bool = False,
    description: str = "",
    holders: Iterable[User] = (),
) -> Role:
    """A custom (not built-in) role, held by ``holders``."""
    role = Role(
        name=name,
        description=description,
        permissions=list(permissions),
        requires_mfa=requires_mfa,
        is_builtin=False,
    )
    db.session.add(role)
    db.session.flush()
    for user in holders:
        db.session.add(UserRole(user_id=user.id, role_id=role.id))
        db.session.expire(user, ["roles", "role_links"])
    db.session.flush()
    return role


class UserFactory(_Base):
    """A user; ``roles=["Admin"]`` grants built-in roles by name."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password_hash = PASSWORD_HASH
    is_active = True

    class Params:
        # UserFactory(mfa=True): enrolled in TOTP with TOTP_SECRET (needed by Admin and PI,
        # whose roles require MFA); tests' sign_in() answers the /mfa step by itself.
        mfa = factory.Trait(
            mfa_secret_encrypted=factory.LazyFunction(lambda: encrypt(TOTP_SECRET)),
            mfa_enrolled_at=factory.LazyFunction(utcnow),
        )

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for name in extracted or ():
            db.session.add(UserRole(user_id=obj.id, role_id=role_named(name).id))
        if extracted:
            db.session.flush()
            db.session.expire(obj, ["roles", "role_links"])


class WorkspaceFactory(_Base):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")
    owner = factory.SubFactory(UserFactory, roles=["PI"])

    @factory.post_generation
    def add_owner(obj: Workspace, create: bool, extracted: object, **kwargs: object) -> None:
        db.session.add(WorkspaceMember(workspace_id=obj.id, user_id=obj.owner_id, role="owner"))
        db.session.flush()


class MemberFactory(_Base):
    """``MemberFactory(workspace=ws, user=u, role="editor")``."""

    class Meta:
        model = WorkspaceMember

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "viewer"


class MLModelFactory(_Base):
    class Meta:
        model = MLModel

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"model-{n}")
    version = "1.0.0"
    framework = "pytorch"
    task = "classification"
    stage = "draft"
    metrics = factory.LazyFunction(lambda: {"accuracy": 0.9})
    parameters = factory.LazyFunction(lambda: {"lr": 0.001})
    artifact_uri = "s3://models/model.pt"


class PluginFactory(_Base):
    class Meta:
        model = Plugin

    name = factory.Sequence(lambda n: f"plugin-{n}")
    version = "1.0.0"
    description = "A plugin"
    author = "OmniScope"
    manifest = factory.LazyAttribute(lambda o: {"name": o.name, "version": o.version})
    requested_permissions = factory.LazyFunction(list)
    config = factory.LazyFunction(dict)
    is_enabled = False


class ReportFactory(_Base):
    class Meta:
        model = Report

    kind = "access_review"
    parameters = factory.LazyFunction(dict)
    status = "queued"
    progress = 0
    requested_by = factory.SubFactory(UserFactory)
