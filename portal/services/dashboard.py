"""The live counts on the dashboard, scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.models import AuditLog, MLModel, Plugin, User, Workspace, WorkspaceMember
from portal.models.base import utcnow
from portal.security.permissions import Permission


@dataclass(frozen=True)
class Tile:
    """One count on the dashboard."""

    label: str
    value: int
    endpoint: str | None = None


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _member_workspace_ids(user: User) -> Select:
    return select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user.id)


def dashboard_tiles(user: User) -> list[Tile]:
    """Counts of users, workspaces, models, plugins and today's events that ``user`` may see."""
    tiles: list[Tile] = []
    if user.can(Permission.USERS_VIEW):
        tiles.append(Tile("Users", _count(select(User.id).where(User.is_active.is_(True)))))
    workspaces = select(Workspace.id).where(Workspace.is_archived.is_(False))
    models = select(MLModel.id)
    if not user.can(Permission.WORKSPACES_VIEW_ALL):
        workspaces = workspaces.where(Workspace.id.in_(_member_workspace_ids(user)))
        models = models.where(MLModel.workspace_id.in_(_member_workspace_ids(user)))
    tiles.append(Tile("Workspaces", _count(workspaces)))
    if user.can(Permission.MODELS_VIEW):
        tiles.append(Tile("Models", _count(models)))
    if user.can(Permission.PLUGINS_VIEW):
        tiles.append(Tile("Plugins enabled", _count(select(Plugin.id).where(Plugin.is_enabled))))
    midnight = datetime.combine(utcnow().date(), time.min, tzinfo=utcnow().tzinfo)
    events = select(AuditLog.id).where(AuditLog.created_at >= midnight)
    if user.can(Permission.AUDIT_VIEW_ALL):
        tiles.append(Tile("Events today", _count(events)))
    elif user.can(Permission.AUDIT_VIEW_OWN):
        owned = select(Workspace.id).where(Workspace.owner_id == user.id)
        tiles.append(Tile("Events today", _count(events.where(AuditLog.workspace_id.in_(owned)))))
    return tiles
