"""Read-side queries of workspaces: the scoped list, members, a workspace's models and reports."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, SQLColumnExpression, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from portal.extensions import db
from portal.models import MLModel, Report, User, Workspace, WorkspaceMember
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)
from portal.security.permissions import Permission
from portal.services.workspaces.access import allows, in_visible_workspaces

PI_ROLE = "PI"
SLUG_RE = re.compile(r"[a-z0-9-]{2,100}")
RECENT = 20
STATUSES = ("active", "archived", "all")

# Each order ends with the id, so the values are unique together (keyset pagination).
SORT_COLUMNS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "name": (Workspace.name, Workspace.id),
    "created": (Workspace.created_at, Workspace.id),
}
MEMBER_ORDER = SortKey("members:email:asc", (User.email, WorkspaceMember.id))
# The owner first, then editors, then viewers.
ROLE_RANK = case(
    (WorkspaceMember.role == "owner", 0), (WorkspaceMember.role == "editor", 1), else_=2
)


@dataclass(frozen=True)
class WorkspaceFilters:
    """What the list is narrowed to."""

    q: str = ""
    status: str = "active"


@dataclass(frozen=True)
class WorkspaceList(CountedPage):
    """One page of workspaces, how many match (capped), member counts and the viewer's roles."""

    member_counts: dict[uuid.UUID, int] = field(default_factory=dict)
    my_roles: dict[uuid.UUID, str] = field(default_factory=dict)


def get_workspace_by_slug(slug: str) -> Workspace | None:
    """The workspace with this short name, if any."""
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def is_eligible_owner(user: User) -> bool:
    """True for an active user holding the PI role (who may own a workspace)."""
    return user.is_active and any(role.name == PI_ROLE for role in user.roles)


def slug_from_name(name: str) -> str:
    """A short name made from ``name``: ASCII lower-case letters, digits and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100].rstrip("-")


def free_slug(name: str) -> str | None:
    """An unused short name made from ``name`` (``-2``, ``-3``… appended when taken)."""
    base = slug_from_name(name)
    if len(base) < 2:
        return None
    candidates = [base] + [f"{base[:96].rstrip('-')}-{n}" for n in range(2, 51)]
    taken = set(db.session.scalars(select(Workspace.slug).where(Workspace.slug.in_(candidates))))
    return next((c for c in candidates if c not in taken), None)


def current_member(member_id: uuid.UUID) -> WorkspaceMember | None:
    """The membership row as the database has it now (refreshing a loaded copy)."""
    stmt = select(WorkspaceMember).where(WorkspaceMember.id == member_id)
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def member_of(workspace: Workspace, member_id: uuid.UUID) -> WorkspaceMember | None:
    """The membership ``member_id`` if it belongs to ``workspace``."""
    return db.session.scalar(
        select(WorkspaceMember).where(
            WorkspaceMember.id == member_id, WorkspaceMember.workspace_id == workspace.id
        )
    )


def sort_key(sort: str, descending: bool = False) -> SortKey:
    """The keyset order for ``sort`` (a key of SORT_COLUMNS)."""
    return SortKey.named("workspaces", sort, SORT_COLUMNS[sort], descending)


def visible_workspaces(user: User, filters: WorkspaceFilters) -> Select:
    """SELECT of the workspaces ``user`` may see that match ``filters`` (unordered)."""
    stmt = select(Workspace).where(in_visible_workspaces(user, Workspace.id))
    if filters.q:
        stmt = stmt.where(func.lower(Workspace.name).startswith(filters.q.lower(), autoescape=True))
    if filters.status != "all":
        stmt = stmt.where(Workspace.is_archived.is_(filters.status == "archived"))
    return stmt


def member_counts(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many members each of these workspaces has."""
    if not ids:
        return {}
    stmt = (
        select(WorkspaceMember.workspace_id, func.count())
        .where(WorkspaceMember.workspace_id.in_(ids))
        .group_by(WorkspaceMember.workspace_id)
    )
    return {workspace_id: count for workspace_id, count in db.session.execute(stmt)}


def roles_of(user: User, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """``user``'s workspace role in each of these workspaces they belong to."""
    if not ids:
        return {}
    stmt = select(WorkspaceMember.workspace_id, WorkspaceMember.role).where(
        WorkspaceMember.user_id == user.id, WorkspaceMember.workspace_id.in_(ids)
    )
    return {workspace_id: role for workspace_id, role in db.session.execute(stmt)}


def list_workspaces(
    user: User,
    filters: WorkspaceFilters,
    page_request: PageRequest,
    *,
    sort: str = "name",
    descending: bool = False,
) -> WorkspaceList:
    """One keyset page of the workspaces ``user`` may see, with the capped count of matches."""
    stmt, key = visible_workspaces(user, filters), sort_key(sort, descending)
    listed = counted_page(stmt, key, page_request, selectinload(Workspace.owner))
    ids = [workspace.id for workspace in listed.page.items]
    return WorkspaceList(
        listed.page, listed.count, listed.more, member_counts(ids), roles_of(user, ids)
    )


def _members(workspace: Workspace) -> Select:
    return (
        select(WorkspaceMember)
        .join(WorkspaceMember.user)
        .where(WorkspaceMember.workspace_id == workspace.id)
        .options(contains_eager(WorkspaceMember.user).selectinload(User.roles))
    )


def list_members(workspace: Workspace, page_request: PageRequest) -> CountedPage:
    """One keyset page of a workspace's members by email, users and their roles loaded."""
    return counted_page(_members(workspace), MEMBER_ORDER, page_request)


def first_members(workspace: Workspace, limit: int = RECENT) -> list[WorkspaceMember]:
    """The first ``limit`` members: the owner, editors, then viewers, each by email."""
    stmt = _members(workspace).order_by(ROLE_RANK, User.email).limit(limit)
    return list(db.session.scalars(stmt))


def member_count(workspace: Workspace) -> int:
    """How many members the workspace has."""
    stmt = select(func.count()).where(WorkspaceMember.workspace_id == workspace.id)
    return db.session.scalar(stmt) or 0


def recent_models(workspace: Workspace, limit: int = RECENT) -> list[MLModel]:
    """The workspace's newest registered models."""
    stmt = (
        select(MLModel)
        .where(MLModel.workspace_id == workspace.id)
        .order_by(MLModel.created_at.desc(), MLModel.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def sees_all_reports(user: User, workspace: Workspace) -> bool:
    """Whether ``user`` sees every report of the workspace, not only their own."""
    return user.can(Permission.REPORTS_VIEW_ALL) or allows(user, workspace, "manage")


def recent_reports(user: User, workspace: Workspace, limit: int = RECENT) -> list[Report]:
    """The workspace's newest reports ``user`` may see (theirs, or all for its managers)."""
    stmt = select(Report).where(Report.workspace_id == workspace.id)
    if not sees_all_reports(user, workspace):
        stmt = stmt.where(Report.requested_by_id == user.id)
    stmt = stmt.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)
    return list(db.session.scalars(stmt.options(selectinload(Report.requested_by))))
