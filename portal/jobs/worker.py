"""RQ workers that run each job inside the Flask app context."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

from portal.extensions import QUEUES_EXTENSION, REDIS_EXTENSION, db
from portal.models.base import utcnow

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
# With Redis unreachable, requests go on being served; the thread is tried again this late.
START_RETRY = timedelta(seconds=5)
# Seconds a worker's registration lives; an idle worker beats 15 s sooner (every 45 s), so
# /system and /readyz see every live worker within their one-minute window.
WORKER_TTL = 60
# app.extensions key of the embedded worker's state: its thread and when to try again.
WORKER_THREAD_EXTENSION = "omniscope.worker_thread"


class _AppContextMixin:
    """Push the app context around each job and clean the DB session after it."""

    app: Flask
    _is_horse: bool

    def perform_job(self, job: Any, queue: Queue, execution: Any) -> bool:
        with self.app.app_context():
            if getattr(self, "_is_horse", False):
                # A forked horse must not share the parent's pooled connections.
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, execution)  # type: ignore[misc]
            finally:
                db.session.remove()


class PortalWorker(_AppContextMixin, Worker):
    """The ``flask worker`` / production worker: forks a horse per job."""


class ThreadWorker(_AppContextMixin, SimpleWorker):
    """Embedded mode's worker: runs jobs in a thread of the web process."""

    # Signals and SIGALRM timeouts belong to the main thread.
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None


def _queues(app: Flask) -> list[Queue]:
    return list(app.extensions[QUEUES_EXTENSION].values())


def build_worker(app: Flask, cls: type[PortalWorker] | type[ThreadWorker] = PortalWorker) -> Any:
    """A worker of ``cls`` on all of the portal's queues, bound to ``app``."""
    worker = cls(_queues(app), connection=app.extensions[REDIS_EXTENSION], worker_ttl=WORKER_TTL)
    worker.app = app
    return worker


def init_app(app: Flask) -> None:
    """Embedded mode: start the worker thread with the first request (not in CLI commands).

    A request never fails for it: while Redis is unreachable the page is served and the
    thread is tried again at most every ``START_RETRY``; a thread that died (Redis lost
    under it) is started again the same way.
    """
    if not app.config["RQ_WORKER_THREAD"]:
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"worker": None, "thread": None, "next_try": None}
    app.extensions[WORKER_THREAD_EXTENSION] = state

    @app.before_request
    def _ensure_worker_thread() -> None:
        thread = state["thread"]
        if thread is not None and thread.is_alive():
            return
        with lock:
            thread, next_try = state["thread"], state["next_try"]
            if thread is not None and thread.is_alive():
                return
            now = utcnow()
            if next_try is not None and now < next_try:
                return
            try:
                state["worker"], state["thread"] = start_worker_thread(app)
            except RedisError:
                log.warning("embedded RQ worker not started: Redis unreachable", exc_info=True)
                state["next_try"] = now + START_RETRY


def start_worker_thread(app: Flask) -> tuple[ThreadWorker, threading.Thread]:
    """Start embedded mode's RQ worker in a daemon thread (Redis must answer)."""
    worker = build_worker(app, ThreadWorker)
    thread = threading.Thread(
        target=worker.work,
        kwargs={"with_scheduler": False, "logging_level": "WARNING"},
        name="rq-worker",
        daemon=True,
    )
    thread.start()
    log.info("embedded RQ worker thread started")
    return worker, thread
