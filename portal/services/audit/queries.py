"""Reading the audit trail: filtered keyset pages on seq, scoped to what the viewer may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, false, select

from portal.extensions import db
from portal.models import AuditLog, User, Workspace
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)
from portal.security.permissions import Permission
from portal.services.audit import Action
from portal.services.audit.errors import AuditEventNotFoundError

NEWEST_FIRST = SortKey("audit:seq:desc", (AuditLog.seq,), descending=True)
# Action filter choices: the fixed vocabulary plus its prefixes (never a DISTINCT scan).
ACTIONS = sorted(a.value for a in Action)
ACTION_PREFIXES = sorted({a.split(".")[0] + "." for a in ACTIONS})
TARGET_TYPES = ("user", "role", "session", "workspace", "workspace_member", "model", "report",
                "plugin", "audit")  # fmt: skip


@dataclass(frozen=True)
class AuditFilters:
    """What the trail is narrowed to; empty values mean "any"."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    workspace: uuid.UUID | None = None
    ip: str = ""
    date_from: date | None = None
    date_to: date | None = None


def sees_whole_trail(user: User) -> bool:
    """Admins read the whole trail; PIs only their own workspaces' events."""
    return user.can(Permission.AUDIT_VIEW_ALL)


def scope_condition(user: User) -> ColumnElement[bool] | None:
    """None for the whole trail, else the PI's owned workspaces (or nothing at all)."""
    if sees_whole_trail(user):
        return None
    if user.can(Permission.AUDIT_VIEW_OWN):
        owned = select(Workspace.id).where(Workspace.owner_id == user.id)
        return AuditLog.workspace_id.in_(owned)
    return false()


def _seq_bound(moment: datetime, *, first: bool) -> int | None:
    """The first seq at/after ``moment`` (or last before it): dates become seq ranges,
    since seq and created_at grow together and seq is what the pages walk."""
    # Walk the created_at index from ``moment`` (one row): min()/max() of seq would walk the
    # seq index from its far end instead, through every row outside the range.
    if first:
        stmt = select(AuditLog.seq).where(AuditLog.created_at >= moment)
        stmt = stmt.order_by(AuditLog.created_at, AuditLog.seq)
    else:
        stmt = select(AuditLog.seq).where(AuditLog.created_at < moment)
        stmt = stmt.order_by(AuditLog.created_at.desc(), AuditLog.seq.desc())
    return db.session.scalar(stmt.limit(1))


def _conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.actor:
        where.append(AuditLog.actor_email == filters.actor.lower())
    if filters.action:
        if filters.action.endswith("."):
            where.append(AuditLog.action.in_([a for a in ACTIONS if a.startswith(filters.action)]))
        else:
            where.append(AuditLog.action == filters.action)
    if filters.target_type:
        where.append(AuditLog.target_type == filters.target_type)
    if filters.target_id:
        where.append(AuditLog.target_id == filters.target_id)
    if filters.workspace is not None:
        where.append(AuditLog.workspace_id == filters.workspace)
    if filters.ip:
        where.append(AuditLog.ip == filters.ip)
    if filters.date_from is not None:
        low = _seq_bound(datetime.combine(filters.date_from, time.min, tzinfo=UTC), first=True)
        where.append(AuditLog.seq >= low if low is not None else false())
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        high = _seq_bound(end, first=False)
        where.append(AuditLog.seq <= high if high is not None else false())
    return where


def filtered_events(user: User, filters: AuditFilters) -> Select:
    """SELECT of the rows ``user`` may see that match ``filters``."""
    stmt = select(AuditLog).where(*_conditions(filters))
    scope = scope_condition(user)
    return stmt if scope is None else stmt.where(scope)


def list_events(user: User, filters: AuditFilters, page_request: PageRequest) -> CountedPage:
    """One page, newest first, and the capped count of matches."""
    return counted_page(filtered_events(user, filters), NEWEST_FIRST, page_request)


def get_event_for(user: User, event_id: uuid.UUID) -> AuditLog:
    """One row the user may see (404 otherwise, whether it exists or not)."""
    stmt = filtered_events(user, AuditFilters()).where(AuditLog.id == event_id)
    row = db.session.scalar(stmt)
    if row is None:
        raise AuditEventNotFoundError("There is no such event, or it is outside what you may see.")
    return row


def events_around(user: User, row: AuditLog, each_side: int = 5) -> list[AuditLog]:
    """The events just before and after ``row`` that the user may see, newest first."""
    base = filtered_events(user, AuditFilters())
    newer = db.session.scalars(
        base.where(AuditLog.seq > row.seq).order_by(AuditLog.seq.asc()).limit(each_side)
    ).all()
    older = db.session.scalars(
        base.where(AuditLog.seq < row.seq).order_by(AuditLog.seq.desc()).limit(each_side)
    ).all()
    return [*reversed(newer), row, *older]


@dataclass(frozen=True)
class Change:
    """One field of a before/after diff."""

    field: str
    before: object
    after: object
    changed: bool


def diff(details: dict) -> list[Change]:
    """Side-by-side rows of the details' ``before`` and ``after`` (when present)."""
    before = old if isinstance(old := details.get("before"), dict) else {}
    after = new if isinstance(new := details.get("after"), dict) else {}
    fields = sorted(set(before) | set(after))
    return [Change(f, before.get(f), after.get(f), before.get(f) != after.get(f)) for f in fields]
