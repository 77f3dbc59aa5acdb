"""A report's life on its row: claimed, beating, succeeded or failed; stale ones failed.

Every transition is one conditional UPDATE: a job only changes a report it still owns
(status and RQ job id as it left them), so a job that lost its report to the stale
check or to a retry stops instead of overwriting the newer state.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import and_, case, func, or_, select, update

from portal.extensions import db, get_redis
from portal.models import Report, User
from portal.models.base import utcnow
from portal.services import audit
from portal.services.reports.errors import ReportLost

log = logging.getLogger(__name__)

# A running report whose job has not beaten for this long lost its worker.
HEARTBEAT_TIMEOUT = timedelta(seconds=60)
# A queued report this old whose RQ job is gone (or over) will never start.
QUEUED_TIMEOUT = timedelta(minutes=10)
WORKER_STOPPED = "The worker stopped while building this report; retry it."
JOB_LOST = "The job queue lost this report before a worker started it; retry it."
# RQ states in which a job will still run (or is running) on its own.
ALIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def _owned(report_id: uuid.UUID, job_id: str | None) -> list[Any]:
    conditions = [Report.id == report_id, Report.status == "running"]
    if job_id is not None:
        conditions.append(Report.job_id == job_id)
    return conditions


def _update(conditions: list[Any], **values: Any) -> list[Any]:
    stmt = (
        update(Report)
        .where(*conditions)
        .values(updated_at=utcnow(), **values)
        .returning(Report.id, Report.workspace_id, Report.attempts)
        .execution_options(synchronize_session=False)
    )
    return list(db.session.execute(stmt).all())


def _last_sign_of_life() -> Any:
    return func.coalesce(Report.heartbeat_at, Report.started_at, Report.updated_at)


def _record(action: str, row: Any, actor: User | None, **details: Any) -> None:
    """Record a step of the report's life from its UPDATE's returned (id, workspace, attempt)."""
    report_id, workspace_id, attempt = row[:3]
    audit.record(
        action,
        target_type="report",
        target_id=report_id,
        workspace_id=workspace_id,
        actor=actor,
        details={**details, "attempt": attempt},
    )


def claim_report(report_id: uuid.UUID, job_id: str | None) -> Report | None:
    """Mark the report running for this job; None when there is nothing for it to do.

    Claimable: queued, or running with a stale heartbeat (its worker died). A job of an
    earlier attempt (``job_id`` no longer the row's) claims nothing.
    """
    now = utcnow()
    claimable = or_(
        Report.status == "queued",
        and_(Report.status == "running", _last_sign_of_life() < now - HEARTBEAT_TIMEOUT),
    )
    conditions = [Report.id == report_id, claimable]
    if job_id is not None:
        conditions.append(Report.job_id == job_id)
    values = {"started_at": now, "heartbeat_at": now, "finished_at": None, "error": None}
    if not _update(conditions, status="running", progress=0, row_count=None, **values):
        return None
    return db.session.get(Report, report_id, populate_existing=True)


def beat(report_id: uuid.UUID, job_id: str | None, progress: int) -> None:
    """Record progress and a heartbeat; ReportLost when the job no longer owns the report."""
    values = {"progress": max(0, min(progress, 99)), "heartbeat_at": utcnow()}
    if not _update(_owned(report_id, job_id), **values):
        raise ReportLost(str(report_id))


def finish_report(report_id: uuid.UUID, job_id: str | None, row_count: int, path: str) -> None:
    """Mark the report succeeded with its file and row count (audited, actor none)."""
    now = utcnow()
    rows = _update(
        _owned(report_id, job_id),
        status="succeeded",
        progress=100,
        row_count=row_count,
        result_path=path,
        heartbeat_at=now,
        finished_at=now,
    )
    if not rows:
        raise ReportLost(str(report_id))
    _record(audit.Action.REPORT_SUCCEEDED, rows[0], None, rows=row_count)


def fail_report(
    report_id: uuid.UUID, message: str, *, job_id: str | None = None, actor: User | None = None
) -> bool:
    """Mark a queued or running report failed with ``message`` (audited); False if it wasn't."""
    conditions = [Report.id == report_id, Report.status.in_(("queued", "running"))]
    if job_id is not None:
        conditions.append(Report.job_id == job_id)
    rows = _update(conditions, status="failed", error=message, finished_at=utcnow())
    for row in rows:
        _record(audit.Action.REPORT_FAILED, row, actor, error=message)
    return bool(rows)


def _job_alive(job_id: str | None) -> bool | None:
    """Whether RQ will still run the job (None when Redis cannot tell us)."""
    if job_id is None:
        return False
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in ALIVE
    except NoSuchJobError:
        return False
    except RedisError:
        log.warning("cannot check RQ job %s: Redis unavailable", job_id)
        return None


def _lost_queued(now: datetime, limit: int = 100) -> list[uuid.UUID]:
    stmt = (
        select(Report.id, Report.job_id)
        .where(Report.status == "queued", Report.updated_at < now - QUEUED_TIMEOUT)
        .limit(limit)
    )
    return [rid for rid, job_id in db.session.execute(stmt) if _job_alive(job_id) is False]


def fail_stale_reports(now: datetime | None = None) -> list[uuid.UUID]:
    """Fail reports whose worker died or whose job vanished; audited per report.

    Run lazily when report pages are read and by each report job before it starts, so
    it does not depend on RQ noticing a dead worker (which may take ten minutes).
    """
    now = now or utcnow()
    dead = and_(Report.status == "running", _last_sign_of_life() < now - HEARTBEAT_TIMEOUT)
    lost = _lost_queued(now)
    condition = or_(dead, and_(Report.status == "queued", Report.id.in_(lost))) if lost else dead
    message = case((Report.status == "running", WORKER_STOPPED), else_=JOB_LOST)
    stmt = (
        update(Report)
        .where(condition)
        .values(status="failed", error=message, finished_at=now, updated_at=now)
        .returning(Report.id, Report.workspace_id, Report.attempts, Report.error)
        .execution_options(synchronize_session=False)
    )
    failed = db.session.execute(stmt).all()
    for row in failed:
        log.warning("report %s failed as stale: %s", row.id, row.error)
        _record(audit.Action.REPORT_FAILED, row, None, error=row.error, stale=True)
    return [row[0] for row in failed]
