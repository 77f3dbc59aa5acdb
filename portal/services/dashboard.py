"""The live counts on the dashboard, scoped to what the viewer may see."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, cast, func, select

from portal.cache import remember
from portal.extensions import db
from portal.models import AuditLog, MLModel, Plugin, User, Workspace
from portal.models.base import utcnow
from portal.security.permissions import Permission
from portal.services.workspaces.access import in_visible_workspaces


@dataclass(frozen=True)
class Tile:
    """One count on the dashboard."""

    label: str
    value: int
    endpoint: str | None = None


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def dashboard_tiles(user: User) -> list[Tile]:
    """Counts of users, workspaces, models, plugins and today's events that ``user`` may see."""
    tiles: list[Tile] = []
    if user.can(Permission.USERS_VIEW):
        tiles.append(Tile("Users", _count(select(User.id).where(User.is_active.is_(True)))))
    workspaces = select(Workspace.id).where(Workspace.is_archived.is_(False))
    models = select(MLModel.id)
    workspaces = workspaces.where(in_visible_workspaces(user, Workspace.id))
    models = models.where(in_visible_workspaces(user, MLModel.workspace_id))
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


CHART_DAYS = 30


def _scoped_events(user: User, stmt: Select) -> Select | None:
    """Restrict an audit query to what ``user`` may read, or None when nothing."""
    if user.can(Permission.AUDIT_VIEW_ALL):
        return stmt
    if user.can(Permission.AUDIT_VIEW_OWN):
        owned = select(Workspace.id).where(Workspace.owner_id == user.id)
        return stmt.where(AuditLog.workspace_id.in_(owned))
    return None


def events_per_day(user: User, days: int = CHART_DAYS) -> list[tuple[str, int]]:
    """Events per UTC day over the last ``days`` days (oldest first), zeros included."""
    today = utcnow().date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=utcnow().tzinfo)
    if db.engine.dialect.name == "postgresql":
        day: ColumnElement[Any] = cast(func.timezone("UTC", AuditLog.created_at), Date)
    else:  # SQLite keeps UTC wall time as text
        day = func.date(AuditLog.created_at)
    stmt = _scoped_events(
        user,
        select(day.label("day"), func.count()).where(AuditLog.created_at >= start).group_by(day),
    )
    counts: dict[date, int] = {}
    if stmt is not None:
        counts = {_as_date(d): n for d, n in db.session.execute(stmt)}
    return [
        ((today - timedelta(days=i)).isoformat(), counts.get(today - timedelta(days=i), 0))
        for i in range(days - 1, -1, -1)
    ]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def failed_sign_ins(user: User, hours: int = 24) -> int | None:
    """Failed sign-ins in the last ``hours`` (Admins only: they are not workspace events)."""
    if not user.can(Permission.AUDIT_VIEW_ALL):
        return None
    since = utcnow() - timedelta(hours=hours)
    stmt = select(func.count()).where(
        AuditLog.action == "auth.login.failure", AuditLog.created_at >= since
    )
    return db.session.scalar(stmt) or 0


def mfa_adoption(user: User) -> dict[str, int] | None:
    """Active users enrolled in MFA out of all active users (for who may see users)."""
    if not user.can(Permission.USERS_VIEW):
        return None
    active = select(User.id).where(User.is_active.is_(True))
    enrolled = active.where(User.mfa_enrolled_at.is_not(None))
    return {"enrolled": _count(enrolled), "active": _count(active)}


DASHBOARD_TTL = 30


def dashboard_key(user: User, part: str) -> str:
    """Flask-Caching key of a user's dashboard ``part``: a changed role changes the key."""
    grants = hashlib.sha256(" ".join(sorted(user.permissions)).encode()).hexdigest()[:16]
    return f"dashboard:{user.id}:{grants}:{part}"


def dashboard_data(user: User) -> dict[str, Any]:
    """Everything the dashboard shows, cached per user for half a minute."""

    def compute() -> dict[str, Any]:
        return {
            "tiles": [asdict(t) for t in dashboard_tiles(user)],
            "chart": events_per_day(user),
            "failed_sign_ins": failed_sign_ins(user),
            "mfa": mfa_adoption(user),
            "audit": user.can(Permission.AUDIT_VIEW_OWN),
        }

    return remember(dashboard_key(user, "data"), compute, DASHBOARD_TTL)
