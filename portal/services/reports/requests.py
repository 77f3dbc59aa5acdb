"""Reports on the web side: request, queue, retry, who sees which, the list, downloads."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Report, User
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)
from portal.security.permissions import Permission
from portal.services import audit
from portal.services.audit.export import filters_from
from portal.services.queueing import QUEUE_UNAVAILABLE, enqueue
from portal.services.reports.errors import (
    ReportNotFoundError,
    ReportNotReadyError,
    ReportRuleError,
)
from portal.services.reports.files import report_file
from portal.services.reports.kinds import ReportKind, get_kind, output_of
from portal.services.reports.lifecycle import fail_report
from portal.services.reports.params import ReportParams
from portal.services.workspaces.access import owned_workspace_ids
from portal.tx import lock_for_update

log = logging.getLogger(__name__)

# By dotted path: the job module imports the services, not the other way round.
JOB_FUNCTION = "portal.jobs.reports.generate_report"
JOB_TIMEOUT = 600
RESULT_TTL = 3600
FAILURE_TTL = 86400
NEWEST_FIRST = SortKey("reports:created:desc", (Report.created_at, Report.id), descending=True)


def job_id_for(report_id: uuid.UUID, attempt: int) -> str:
    """The RQ job id of one attempt at a report (chosen up front, stored on the row)."""
    return f"report-{report_id}-{attempt}"


def visible_reports(user: User) -> ColumnElement[bool]:
    """Reports ``user`` may see: all (Admin), own plus owned workspaces' (PI), else own."""
    if user.can(Permission.REPORTS_VIEW_ALL):
        return true()
    return or_(
        Report.requested_by_id == user.id, Report.workspace_id.in_(owned_workspace_ids(user))
    )


def get_report_for(user: User, report_id: uuid.UUID) -> Report:
    """The report if ``user`` may see it; 404 otherwise (its existence is not revealed)."""
    report = db.session.scalar(select(Report).where(Report.id == report_id, visible_reports(user)))
    if report is None:
        raise ReportNotFoundError("There is no such report, or it is not yours to see.")
    return report


def request_report(kind: ReportKind, params: ReportParams, *, actor: User) -> Report:
    """Create a queued report (audited); the caller commits, then calls ``enqueue_report``."""
    kind.check(actor, params)
    report = Report(
        id=uuid.uuid4(),
        kind=kind.name,
        parameters=params.to_json(),
        status="queued",
        progress=0,
        attempts=1,
        requested_by_id=actor.id,
        workspace_id=params.workspace_id,
    )
    report.job_id = job_id_for(report.id, 1)
    db.session.add(report)
    db.session.flush()
    audit.record(
        audit.Action.REPORT_REQUESTED,
        target=report,
        actor=actor,
        details={"kind": kind.name, "parameters": report.parameters},
    )
    return report


EXPORT_FORMATS = ("csv", "jsonl")


def request_audit_export(values: dict[str, str], fmt: str, *, actor: User) -> Report:
    """Queue an export of the audit rows matching ``values`` (the trail's filters); audited."""
    kind = get_kind(f"audit_export_{fmt}") if fmt in EXPORT_FORMATS else None
    if kind is None:
        raise ReportRuleError("Choose CSV or JSON Lines.")
    filters_from(values)  # refuse bad filters now, not in the job
    params = ReportParams(filters=tuple(sorted(values.items())))
    report = request_report(kind, params, actor=actor)
    audit.record(
        audit.Action.AUDIT_EXPORTED,
        target=report,
        actor=actor,
        details={"format": fmt, "filters": values},
    )
    return report


def enqueue_report(report: Report) -> str | None:
    """Queue the report's job (after its row is committed); on a Redis failure mark it
    failed (flushed, audited) and return None, so the caller commits and says so."""
    job_id = enqueue(
        "reports",
        JOB_FUNCTION,
        str(report.id),
        job_id=report.job_id,
        job_timeout=JOB_TIMEOUT,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )
    if job_id is None:
        fail_report(report.id, QUEUE_UNAVAILABLE, job_id=report.job_id)
        db.session.refresh(report)
    return job_id


def retry_report(report: Report, *, actor: User) -> None:
    """Queue a failed report again as a new attempt (audited); the caller commits, enqueues."""
    lock_for_update(report)
    if report.status != "failed":
        raise ReportRuleError("Only a failed report can be retried.")
    previous_error = report.error
    report.attempts += 1
    report.job_id = job_id_for(report.id, report.attempts)
    report.status, report.progress, report.error = "queued", 0, None
    report.started_at = report.heartbeat_at = report.finished_at = None
    report.row_count = None
    db.session.flush()
    audit.record(
        audit.Action.REPORT_RETRIED,
        target=report,
        actor=actor,
        details={"attempt": report.attempts, "previous_error": previous_error},
    )


def record_download(report: Report, *, actor: User) -> Path:
    """The file of a succeeded report, its download audited (409 if not ready, 404 if gone)."""
    if report.status != "succeeded":
        raise ReportNotReadyError("This report has no file yet: it has not succeeded.")
    path = report_file(report.id, output_of(report.kind))
    if not path.is_file():
        raise ReportNotFoundError(
            "The report's file is missing; retry the report to build it again."
        )
    audit.record(
        audit.Action.REPORT_DOWNLOADED,
        target=report,
        actor=actor,
        details={"kind": report.kind, "rows": report.row_count},
    )
    return path


@dataclass(frozen=True)
class ReportFilters:
    """What the list is narrowed to; None means "any"."""

    kind: str | None = None
    status: str | None = None
    mine: bool = False


def filtered_reports(user: User, filters: ReportFilters) -> Select:
    """SELECT of the reports ``user`` may see that match ``filters`` (unordered)."""
    stmt = select(Report).where(visible_reports(user))
    if filters.mine:
        stmt = stmt.where(Report.requested_by_id == user.id)
    if filters.kind is not None:
        stmt = stmt.where(Report.kind == filters.kind)
    if filters.status is not None:
        stmt = stmt.where(Report.status == filters.status)
    return stmt


def list_reports(user: User, filters: ReportFilters, page_request: PageRequest) -> CountedPage:
    """One keyset page of visible reports, newest first, and the capped count of matches."""
    options = (selectinload(Report.requested_by), selectinload(Report.workspace))
    return counted_page(filtered_reports(user, filters), NEWEST_FIRST, page_request, *options)
