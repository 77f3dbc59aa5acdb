"""Exporting the audit trail: the rows of a filter, streamed from a server-side cursor."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog
from portal.services.audit_queries import (
    ACTION_PREFIXES,
    ACTIONS,
    TARGET_TYPES,
    AuditFilters,
    filtered_events,
)
from portal.services.report_types import Chunk, ReportRows, ReportRuleError, RunContext, percent

FILTER_KEYS = ("actor", "action", "target_type", "target_id", "workspace", "ip", "date_from",
               "date_to")  # fmt: skip
# Rows fetched per round trip from the server-side cursor (and written per chunk).
STREAM_ROWS = 5000
COLUMNS = (
    AuditLog.seq, AuditLog.id, AuditLog.created_at, AuditLog.actor_id, AuditLog.actor_email,
    AuditLog.action, AuditLog.target_type, AuditLog.target_id, AuditLog.workspace_id,
    AuditLog.ip, AuditLog.user_agent, AuditLog.request_id, AuditLog.details,
    AuditLog.prev_hash, AuditLog.hash,
)  # fmt: skip
HEADER = [column.key for column in COLUMNS]


def filters_from(values: Mapping[str, str]) -> AuditFilters:
    """Checked filters from stored or posted text (the job trusts nothing)."""
    unknown = set(values) - set(FILTER_KEYS)
    if unknown or any(len(v) > 254 or "\x00" in v for v in values.values()):
        raise ReportRuleError("The export's filters are not valid.")
    action = values.get("action", "")
    if action and action not in ACTIONS and action not in ACTION_PREFIXES:
        raise ReportRuleError("The export's action filter is not valid.")
    target_type = values.get("target_type", "")
    if target_type and target_type not in TARGET_TYPES:
        raise ReportRuleError("The export's target type filter is not valid.")
    try:
        workspace = uuid.UUID(values["workspace"]) if values.get("workspace") else None
        dates = [
            date.fromisoformat(values[k]) if values.get(k) else None
            for k in ("date_from", "date_to")
        ]
    except ValueError as exc:
        raise ReportRuleError("The export's filters are not valid.") from exc
    return AuditFilters(
        actor=values.get("actor", ""),
        action=action,
        target_type=target_type,
        target_id=values.get("target_id", ""),
        workspace=workspace,
        ip=values.get("ip", ""),
        date_from=dates[0],
        date_to=dates[1],
    )


def audit_export_rows(ctx: RunContext) -> ReportRows:
    """The matching rows, oldest first, in constant memory (a server-side cursor)."""
    filters = filters_from(dict(ctx.params.filters))
    stmt = filtered_events(ctx.requester, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = stmt.with_only_columns(*COLUMNS).order_by(AuditLog.seq)
    return ReportRows(HEADER, _stream(rows, total or 0))


def _stream(stmt, total: int) -> Iterator[Chunk]:
    # A connection of its own: the job commits progress on the session between chunks,
    # which would close a server-side cursor opened in the session's transaction.
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(stmt)
        done = 0
        for partition in result.partitions():
            rows = [_cells(row) for row in partition]
            done += len(rows)
            yield Chunk(rows, percent(done, total))


def _cells(row) -> list[object]:
    return [
        json.dumps(value, sort_keys=True) if isinstance(value, dict) else value for value in row
    ]
