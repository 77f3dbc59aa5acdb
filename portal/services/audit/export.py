"""Exporting the audit trail: the rows of a filter, streamed from a server-side cursor."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnClause, func, literal_column, select

from portal.extensions import db
from portal.models import AuditLog
from portal.services.audit.queries import (
    ACTION_PREFIXES,
    ACTIONS,
    TARGET_TYPES,
    AuditFilters,
    filtered_events,
)
from portal.services.reports.errors import ReportRuleError
from portal.services.reports.rows import Chunk, RawChunk, ReportRows, RunContext, percent

if TYPE_CHECKING:
    import psycopg

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


def audit_export_rows(ctx: RunContext, fmt: str = "csv") -> ReportRows:
    """The matching rows, oldest first, in constant memory.

    On PostgreSQL the database writes the file itself (COPY ... TO STDOUT, formula cells
    neutralised in SQL), which runs at close to COPY's own speed; elsewhere (SQLite in
    embedded mode) rows are streamed from a cursor and written by Python.
    """
    filters = filters_from(dict(ctx.params.filters))
    stmt = filtered_events(ctx.requester, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if db.engine.dialect.name == "postgresql":
        return ReportRows(HEADER, _copy(stmt, fmt, total or 0), raw=True)
    rows = stmt.with_only_columns(*COLUMNS).order_by(AuditLog.seq)
    return ReportRows(HEADER, _stream(rows, total or 0))


def jsonl_rows(ctx: RunContext) -> ReportRows:
    """The JSON Lines flavour of ``audit_export_rows``."""
    return audit_export_rows(ctx, "jsonl")


# Text cells a spreadsheet would run as a formula get a leading quote (CSV injection).
GUARD = "CASE WHEN {c} ~ '^[=+@\t\r-]' THEN chr(39) || {c} ELSE {c} END AS {c}"
TEXT_COLUMNS = {"actor_email", "action", "target_type", "target_id", "ip", "user_agent",
                "request_id"}  # fmt: skip
# COPY's CSV format with a quote and delimiter that JSON text never contains: raw lines.
RAW_LINES = "(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
FLUSH_BYTES = 1 << 20


def _column_sql(name: str) -> str:
    if name in TEXT_COLUMNS:
        return GUARD.format(c=name)
    return f"{name}::text AS {name}" if name == "details" else name


def copy_sql(stmt, fmt: str) -> tuple[str, dict]:
    """The COPY statement and its parameters for the rows ``stmt`` selects."""
    if fmt == "jsonl":
        pairs = ", ".join(f"'{name}', {name}" for name in HEADER)
        columns: list[ColumnClause[Any]] = [literal_column(f"json_build_object({pairs})::text")]
        options = RAW_LINES
    else:
        columns = [literal_column(_column_sql(name)) for name in HEADER]
        options = "(FORMAT csv, HEADER)"
    query = select(*columns).select_from(AuditLog.__table__).order_by(AuditLog.seq)
    if stmt.whereclause is not None:
        query = query.where(stmt.whereclause)
    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    # Values stay bound parameters (psycopg binds them for COPY); only fixed SQL is formatted.
    return f"COPY ({compiled}) TO STDOUT WITH {options}", compiled.params


def _copy(stmt, fmt: str, total: int) -> Iterator[RawChunk]:
    sql, params = copy_sql(stmt, fmt)
    header_lines = 1 if fmt == "csv" else 0
    # A connection of its own, as for the cursor below: the job commits between chunks.
    with db.engine.connect() as conn:
        # Only on PostgreSQL (see the caller): the DBAPI connection is psycopg's.
        raw = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
        with raw.cursor() as cur:
            cur.execute("SET LOCAL TIME ZONE 'UTC'")
            with cur.copy(sql, params) as copy:
                buffer, lines = bytearray(), 0
                for data in copy:
                    buffer += data
                    lines += bytes(data).count(b"\n")
                    if len(buffer) >= FLUSH_BYTES:
                        done = max(lines - header_lines, 0)
                        yield RawChunk(bytes(buffer), done, percent(done, total))
                        buffer.clear()
                done = max(lines - header_lines, 0)
                yield RawChunk(bytes(buffer), done, percent(done, total))
        conn.rollback()


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
