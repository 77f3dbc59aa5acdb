"""The report job: build a report's CSV file, with progress and a heartbeat on its row."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rq import get_current_job
from rq.timeouts import JobTimeoutException

from portal.extensions import db
from portal.models import Report
from portal.services.reports.errors import ReportLost, ReportRuleError
from portal.services.reports.files import relative_path, write_rows
from portal.services.reports.kinds import get_kind, output_of
from portal.services.reports.lifecycle import (
    beat,
    claim_report,
    fail_report,
    fail_stale_reports,
    finish_report,
)
from portal.services.reports.params import parse_params
from portal.services.reports.rows import RunContext

log = logging.getLogger(__name__)

TIMED_OUT = (
    "The report took longer than ten minutes and was stopped; "
    "choose a shorter date range or one workspace and try again."
)
INTERNAL_ERROR = (
    "The report could not be built because of an internal error; "
    "retry it, and tell an administrator if it fails again (job {job})."
)


def _build(report: Report, job_id: str | None) -> int:
    """Write the report's file; returns its row count (raises ReportRuleError when refused)."""
    kind = get_kind(report.kind)
    if kind is None:
        raise ReportRuleError("This kind of report is no longer offered.")
    requester = report.requested_by
    if requester is None:
        raise ReportRuleError("The person who requested this report no longer has an account.")
    params = parse_params(report.parameters or {}, report.workspace_id, dated=kind.dated)
    # Rights as they are now, not as they were when the report was requested.
    kind.check(requester, params)
    rows = kind.build(RunContext(report.id, requester, params, report.attempts))
    report_id = report.id

    def heartbeat(_done: int, progress: int) -> None:
        beat(report_id, job_id, progress)
        db.session.commit()

    return write_rows(report_id, rows.header, rows.chunks, heartbeat, kind.output, raw=rows.raw)


def _failed(report_id: uuid.UUID, job_id: str | None, message: str) -> dict[str, Any]:
    db.session.rollback()
    if fail_report(report_id, message, job_id=job_id):
        db.session.commit()
    return {"report_id": str(report_id), "status": "failed", "error": message}


def generate_report(report_id: str) -> dict[str, Any]:
    """Build one report; a job of a report already done or owned by a live job does nothing."""
    rid = uuid.UUID(report_id)
    job = get_current_job()
    report = claim_report(rid, job.id if job is not None else None)
    db.session.commit()
    # Also sweep reports whose worker died: this does not rely on RQ noticing.
    if fail_stale_reports():
        db.session.commit()
    if report is None:
        log.info("report %s: nothing to do (done, or another job has it)", report_id)
        return {"report_id": report_id, "status": "skipped"}
    job_id = report.job_id
    try:
        count = _build(report, job_id)
        finish_report(rid, job_id, count, relative_path(rid, output_of(report.kind)))
        db.session.commit()
    except ReportLost:
        db.session.rollback()
        log.warning("report %s was failed or retried meanwhile; job %s stops", report_id, job_id)
        return {"report_id": report_id, "status": "lost"}
    except ReportRuleError as exc:
        log.info("report %s refused: %s", report_id, exc)
        return _failed(rid, job_id, str(exc))
    except JobTimeoutException:
        log.warning("report %s timed out (job %s)", report_id, job_id)
        return _failed(rid, job_id, TIMED_OUT)
    except Exception:
        # The traceback goes to the log only; the person reads a plain message.
        log.exception("report %s failed (job %s)", report_id, job_id)
        return _failed(rid, job_id, INTERNAL_ERROR.format(job=job_id))
    log.info("report %s succeeded: %d rows (job %s)", report_id, count, job_id)
    return {"report_id": report_id, "status": "succeeded", "rows": count}
