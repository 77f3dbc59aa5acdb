"""Workspace-scoped rights: who may see, contribute to, or manage a workspace.

Rights come from membership (owner / editor / viewer) and from the global permissions:
``workspaces.view_all`` sees every workspace; with ``workspaces.manage`` it also manages
them (Admin). A PI manages the workspaces they own. Archived workspaces are read-only.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, select, true

from portal.extensions import db
from portal.models import User, Workspace, WorkspaceMember
from portal.security.permissions import Permission
from portal.services.workspaces.errors import (
    WorkspaceArchivedError,
    WorkspaceNotAllowedError,
    WorkspaceNotFoundError,
)

Need = Literal["view", "contribute", "manage"]
ARCHIVED_MESSAGE = "This workspace is archived and read-only. Unarchive it to change anything."


def sees_all_workspaces(user: User) -> bool:
    """True for users who see every workspace (Admin)."""
    return user.can(Permission.WORKSPACES_VIEW_ALL)


def manages_all(user: User) -> bool:
    """True for users who manage every workspace (Admin)."""
    return sees_all_workspaces(user) and user.can(Permission.WORKSPACES_MANAGE)


def member_workspace_ids(user: User) -> Select:
    """SELECT of the ids of the workspaces ``user`` is a member of."""
    return select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user.id)


def runs_own_workspaces(user: User) -> bool:
    """True for users who run the workspaces they own (PIs; Admins manage all anyway)."""
    return user.can(Permission.WORKSPACES_MANAGE)


def owned_workspace_ids(user: User) -> Select:
    """SELECT of the ids of the workspaces ``user`` owns and runs (none without the right)."""
    stmt = select(Workspace.id).where(Workspace.owner_id == user.id)
    return stmt if runs_own_workspaces(user) else stmt.where(false())


def in_visible_workspaces(
    user: User, column: SQLColumnExpression[uuid.UUID]
) -> ColumnElement[bool]:
    """A WHERE condition restricting ``column`` (a workspace id) to what ``user`` may see."""
    return true() if sees_all_workspaces(user) else column.in_(member_workspace_ids(user))


def membership(user: User, workspace: Workspace) -> WorkspaceMember | None:
    """The user's membership of the workspace, if any."""
    return db.session.scalar(
        select(WorkspaceMember).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == user.id
        )
    )


def allows(user: User, workspace: Workspace, need: Need) -> bool:
    """Whether ``user`` has the ``need`` right on ``workspace`` (archiving aside)."""
    if manages_all(user):
        return True
    member = membership(user, workspace)
    if need == "view":
        return sees_all_workspaces(user) or member is not None
    if need == "contribute":
        return member is not None and member.role in ("owner", "editor")
    return workspace.owner_id == user.id and user.can(Permission.WORKSPACES_MANAGE)


def get_workspace_for(
    user: User, workspace_id: uuid.UUID, need: Need = "view", *, allow_archived: bool = False
) -> Workspace:
    """The workspace if ``user`` has ``need`` on it: not found if they may not even see it,
    not allowed if they may see but not do it, archived (unless ``allow_archived``)."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None or not allows(user, workspace, "view"):
        raise WorkspaceNotFoundError("There is no such workspace, or you are not a member of it.")
    if not allows(user, workspace, need):
        raise WorkspaceNotAllowedError(f"You may not {need} this workspace.")
    if need != "view" and workspace.is_archived and not allow_archived:
        raise WorkspaceArchivedError(ARCHIVED_MESSAGE)
    return workspace
