"""Workspaces and their membership."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import User, Workspace, WorkspaceMember
from portal.services import audit


class WorkspaceRuleError(ValueError):
    """A workspace change that the portal's rules refuse; the message is for the person."""


def get_workspace_by_slug(slug: str) -> Workspace | None:
    """The workspace with this short name, if any."""
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def create_workspace(
    *, name: str, slug: str, owner: User, description: str = "", actor: User | None
) -> Workspace:
    """Create a workspace owned by ``owner`` (who becomes its first member)."""
    if get_workspace_by_slug(slug) is not None:
        raise WorkspaceRuleError(f"The short name {slug!r} is taken.")
    workspace = Workspace(name=name, slug=slug, description=description, owner_id=owner.id)
    db.session.add(workspace)
    db.session.flush()
    audit.record(
        audit.Action.WORKSPACE_CREATED,
        target=workspace,
        actor=actor,
        details={"after": {"name": name, "slug": slug, "owner": owner.email}},
    )
    add_member(workspace, owner, role="owner", actor=actor)
    return workspace


def add_member(
    workspace: Workspace, user: User, *, role: str, actor: User | None
) -> WorkspaceMember:
    """Add ``user`` to ``workspace`` with a workspace role (owner, editor or viewer)."""
    existing = db.session.scalar(
        select(WorkspaceMember).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == user.id
        )
    )
    if existing is not None:
        raise WorkspaceRuleError(f"{user.email} is already a member of {workspace.name}.")
    member = WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=role)
    db.session.add(member)
    db.session.flush()
    audit.record(
        audit.Action.WORKSPACE_MEMBER_ADDED,
        target=member,
        actor=actor,
        details={"user": user.email, "role": role},
    )
    return member
