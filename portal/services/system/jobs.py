"""The job system's state: each RQ queue, the workers Redis knows of, and one verdict.

The verdict (``job_health``) is ``ok``, ``no_workers`` (no heartbeat in the last minute:
jobs wait), ``backlog`` (a job has waited longer than ``BACKLOG_AFTER``) or
``unavailable`` (Redis cannot tell). It is shown on /system and in /readyz, where it never
fails readiness: the web tier serves without workers, only jobs wait.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue, Worker

from portal.extensions import QUEUES_EXTENSION, get_redis
from portal.models.base import utcnow

log = logging.getLogger(__name__)
# A worker counts as alive while its heartbeat is this recent (workers beat every 45 s).
WORKER_SEEN_WITHIN = timedelta(minutes=1)
# A queued job older than this means the workers do not keep up.
BACKLOG_AFTER = timedelta(minutes=5)
STATE_WORDS = {
    "ok": "Jobs run",
    "no_workers": "No worker is running",
    "backlog": "Jobs wait too long",
    "unavailable": "Redis cannot tell",
}


@dataclass(frozen=True)
class QueueState:
    """One RQ queue: waiting jobs and its registries."""

    name: str
    depth: int
    started: int
    failed: int
    finished: int
    oldest_queued_at: datetime | None = None


@dataclass(frozen=True)
class WorkerState:
    """One RQ worker as registered in Redis."""

    name: str
    state: str
    current_job: str | None
    last_heartbeat: datetime | None
    queues: list[str]


@dataclass(frozen=True)
class JobsState:
    """The portal's queues and the workers Redis knows of."""

    ok: bool
    reason: str | None = None
    queues: list[QueueState] = field(default_factory=list)
    workers: list[WorkerState] = field(default_factory=list)

    def recent_workers(self, now: datetime) -> list[WorkerState]:
        """Workers whose heartbeat is at most a minute old."""
        return [
            w
            for w in self.workers
            if w.last_heartbeat and now - w.last_heartbeat <= WORKER_SEEN_WITHIN
        ]


@dataclass(frozen=True)
class JobHealth:
    """One verdict on the job system, with the figures behind it."""

    state: str  # ok, no_workers, backlog, unavailable
    workers: int
    depth: int
    oldest_queued_seconds: int | None

    @property
    def ok(self) -> bool:
        """True when jobs run as they should."""
        return self.state == "ok"

    def summary(self) -> str:
        """The verdict and its figures in words, for /system."""
        verdict = STATE_WORDS[self.state]
        if self.state == "unavailable":
            return verdict
        waited = (
            f", the oldest for {self.oldest_queued_seconds:,} s"
            if self.oldest_queued_seconds is not None
            else ""
        )
        workers = "1 worker" if self.workers == 1 else f"{self.workers:,} workers"
        return f"{verdict}: {workers} seen in the last minute, {self.depth:,} waiting{waited}."


def _oldest_enqueued(queue: Queue) -> datetime | None:
    """When the job at the head of ``queue`` was queued (None when it is empty)."""
    ids = queue.get_job_ids(0, 1)
    job = queue.fetch_job(ids[0]) if ids else None
    when = job.enqueued_at if job is not None else None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def jobs_state(redis_ok: bool = True) -> JobsState:
    """Depth and registry counts of each portal queue, and the registered workers."""
    if not redis_ok:
        return JobsState(False, "Redis unreachable")
    try:
        queues = [
            QueueState(
                queue.name,
                queue.count,
                # Without cleanup: this page must not move jobs between registries.
                queue.started_job_registry.get_job_count(cleanup=False),
                queue.failed_job_registry.get_job_count(cleanup=False),
                queue.finished_job_registry.get_job_count(cleanup=False),
                _oldest_enqueued(queue),
            )
            for queue in current_app.extensions[QUEUES_EXTENSION].values()
        ]
        workers = [
            WorkerState(
                w.name, w.get_state(), w.get_current_job_id(), w.last_heartbeat, w.queue_names()
            )
            for w in Worker.all(connection=get_redis())
        ]
    except RedisError as exc:
        log.warning("system page: RQ state unavailable", exc_info=True)
        return JobsState(False, type(exc).__name__)
    return JobsState(True, None, queues, sorted(workers, key=lambda w: w.name))


def job_health(jobs: JobsState, now: datetime | None = None) -> JobHealth:
    """The verdict on ``jobs`` at ``now``."""
    now = now or utcnow()
    oldest = min((q.oldest_queued_at for q in jobs.queues if q.oldest_queued_at), default=None)
    waited = int((now - oldest).total_seconds()) if oldest is not None else None
    workers = len(jobs.recent_workers(now))
    depth = sum(q.depth for q in jobs.queues)
    if not jobs.ok:
        state = "unavailable"
    elif not workers:
        state = "no_workers"
    elif waited is not None and waited > BACKLOG_AFTER.total_seconds():
        state = "backlog"
    else:
        state = "ok"
    return JobHealth(state, workers, depth, waited)
