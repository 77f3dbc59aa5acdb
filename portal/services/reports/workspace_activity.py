"""Row generator of the workspace activity report: one row per workspace."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select, tuple_

from portal.extensions import db
from portal.models import AuditLog, MLModel, Report, User, Workspace, WorkspaceMember
from portal.models.ml_models import MODEL_STAGES
from portal.models.workspaces import WORKSPACE_ROLES
from portal.services.reports.rows import Chunk, ReportRows, RunContext, percent
from portal.services.workspaces.access import in_visible_workspaces

# Workspaces per chunk: each chunk costs four grouped queries over these ids.
WORKSPACES_PER_CHUNK = 200
HEADER = [
    "workspace",
    "slug",
    "owner",
    "archived",
    "members",
    *(f"{role}s" for role in WORKSPACE_ROLES),
    *(f"models {stage}" for stage in MODEL_STAGES),
    "reports requested in range",
    "audit events in range",
]


def _grouped(stmt: Any) -> Counter:
    """A Counter keyed by the statement's leading columns, valued by its last one."""
    counts: Counter = Counter()
    for *key, count in db.session.execute(stmt):
        counts[tuple(key)] = count
    return counts


def _rows(
    workspaces: list[Row[uuid.UUID, str, str, bool, str]], start: datetime, end: datetime
) -> list[list[Any]]:
    """One row per workspace; ``workspaces`` are (id, name, slug, archived, owner email)."""
    ids = [row[0] for row in workspaces]
    members = _grouped(
        select(WorkspaceMember.workspace_id, WorkspaceMember.role, func.count())
        .where(WorkspaceMember.workspace_id.in_(ids))
        .group_by(WorkspaceMember.workspace_id, WorkspaceMember.role)
    )
    models = _grouped(
        select(MLModel.workspace_id, MLModel.stage, func.count())
        .where(MLModel.workspace_id.in_(ids))
        .group_by(MLModel.workspace_id, MLModel.stage)
    )
    reports = _grouped(
        select(Report.workspace_id, func.count())
        .where(Report.workspace_id.in_(ids), Report.created_at >= start, Report.created_at < end)
        .group_by(Report.workspace_id)
    )
    events = _grouped(
        select(AuditLog.workspace_id, func.count())
        .where(
            AuditLog.workspace_id.in_(ids), AuditLog.created_at >= start, AuditLog.created_at < end
        )
        .group_by(AuditLog.workspace_id)
    )
    rows = []
    for workspace_id, name, slug, archived, owner in workspaces:
        by_role = [members[(workspace_id, role)] for role in WORKSPACE_ROLES]
        rows.append(
            [
                name,
                slug,
                owner,
                "yes" if archived else "no",
                sum(by_role),
                *by_role,
                *(models[(workspace_id, stage)] for stage in MODEL_STAGES),
                reports[(workspace_id,)],
                events[(workspace_id,)],
            ]
        )
    return rows


def _chunks(ctx: RunContext, scope: ColumnElement[bool]) -> Iterator[Chunk]:
    start, end = ctx.params.bounds()
    total = db.session.scalar(select(func.count()).select_from(Workspace).where(scope)) or 0
    done, last = 0, None
    while True:
        stmt = (
            select(Workspace.id, Workspace.name, Workspace.slug, Workspace.is_archived, User.email)
            .join(User, User.id == Workspace.owner_id)
            .where(scope)
            .order_by(Workspace.name, Workspace.id)
            .limit(WORKSPACES_PER_CHUNK)
        )
        if last is not None:
            stmt = stmt.where(tuple_(Workspace.name, Workspace.id) > tuple_(*last))
        workspaces = list(db.session.execute(stmt).all())
        if not workspaces:
            return
        done, last = done + len(workspaces), (workspaces[-1][1], workspaces[-1][0])
        yield Chunk(_rows(workspaces, start, end), percent(done, total))


def workspace_activity(ctx: RunContext) -> ReportRows:
    """Members, models by stage, reports and audit events per workspace (one, or all visible)."""
    workspace_id: uuid.UUID | None = ctx.params.workspace_id
    if workspace_id is not None:
        scope: ColumnElement[bool] = Workspace.id == workspace_id
    else:
        scope = in_visible_workspaces(ctx.requester, Workspace.id)
    return ReportRows(HEADER, _chunks(ctx, scope))
