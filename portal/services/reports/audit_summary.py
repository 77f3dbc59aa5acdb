"""Rows of the audit summary: events per day, action and actor over a date range."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select, true

from portal.extensions import db
from portal.models import AuditLog
from portal.security.permissions import Permission
from portal.services.reports.rows import Chunk, ReportRows, RunContext, percent
from portal.services.workspaces.access import owned_workspace_ids

AUDIT_HEADER = ["date (UTC)", "action", "actor", "events"]


def _audit_days(ctx: RunContext, scope: ColumnElement[bool]) -> Iterator[Chunk]:
    days = ctx.params.days()
    actor = func.coalesce(AuditLog.actor_email, "system")
    for number, day in enumerate(days, start=1):
        # One day per query: a range scan of ix_audit_logs_created_at, portable to SQLite.
        start = datetime.combine(day, time.min, tzinfo=UTC)
        stmt = (
            select(AuditLog.action, actor, func.count())
            .where(AuditLog.created_at >= start, AuditLog.created_at < start + timedelta(days=1))
            .where(scope)
            .group_by(AuditLog.action, actor)
            .order_by(AuditLog.action, actor)
        )
        label = day.isoformat()
        rows = [[label, action, who, count] for action, who, count in db.session.execute(stmt)]
        yield Chunk(rows, percent(number, len(days)))


def audit_summary(ctx: RunContext) -> ReportRows:
    """Audit events per day, action and actor over the range (PI: their workspaces only)."""
    if ctx.params.workspace_id is not None:
        scope: ColumnElement[bool] = AuditLog.workspace_id == ctx.params.workspace_id
    elif ctx.requester.can(Permission.AUDIT_VIEW_ALL):
        scope = true()
    else:
        ids = list(db.session.scalars(owned_workspace_ids(ctx.requester)))
        scope = AuditLog.workspace_id.in_(ids)
    return ReportRows(AUDIT_HEADER, _audit_days(ctx, scope))
