"""RQ workers run the portal's jobs inside the app context, against real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rq import Queue

from portal.extensions import db
from portal.jobs.maintenance import verify_audit_chain
from portal.jobs.worker import ThreadWorker, build_worker
from portal.services import audit
from tests.helpers.apps import REDIS_URL, TEST_SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def _commit_some_audit_rows(app, n=3):
    with app.app_context():
        for i in range(n):
            audit.record("test.event", actor=None, details={"i": i})
        db.session.commit()


@pytest.mark.committed
def test_flask_worker_command_runs_a_job_in_the_app_context(app, database_url):
    _commit_some_audit_rows(app)
    queue = Queue("default", connection=app.extensions["omniscope.redis"])
    job = queue.enqueue(verify_audit_chain)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "AUDIT_HMAC_KEY": TEST_SETTINGS["AUDIT_HMAC_KEY"],
        "RQ_WORKER_THREAD": "0",
        # The app's own instance folder: the audit head file the verifier compares with.
        "PORTAL_INSTANCE_DIR": app.instance_path,
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == {
        "ok": True, "rows_checked": 3, "last_seq": 3, "failed_seq": None, "problem": None,
    }  # fmt: skip


@pytest.mark.committed
def test_thread_worker_runs_jobs_without_signals(app):
    _commit_some_audit_rows(app, 2)
    queue = Queue("default", connection=app.extensions["omniscope.redis"])
    job = queue.enqueue(verify_audit_chain)
    worker = build_worker(app, ThreadWorker)
    import threading

    thread = threading.Thread(target=worker.work, kwargs={"burst": True})
    thread.start()
    thread.join(timeout=60)
    job.refresh()
    assert job.is_finished
    assert job.return_value()["rows_checked"] == 2
