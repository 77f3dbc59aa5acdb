"""Real ``flask worker`` processes: a job end to end, a failure and its retry, a killed worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update

from portal.extensions import db
from portal.jobs.reports import INTERNAL_ERROR
from portal.models import Report
from portal.models.base import utcnow
from portal.services.audit.integrity import verify_chain
from portal.services.reports.files import report_file
from portal.services.reports.lifecycle import WORKER_STOPPED
from tests.helpers.apps import REDIS_URL, TEST_SETTINGS
from tests.helpers.pages import csrf_token_from, text
from tests.helpers.signin import signed_in_client
from tests.reports.helpers import audit_actions, reload, request_via_form, requested_id

pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parents[2]
TEST_WORKER_APP = "tests.reports.worker_app:create_app()"


def _env(app: Flask, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process: this test run's database, Redis and instance."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],
        "PORTAL_ENCRYPTION_KEY": TEST_SETTINGS["PORTAL_ENCRYPTION_KEY"],
        "AUDIT_HMAC_KEY": TEST_SETTINGS["AUDIT_HMAC_KEY"],
        "PORTAL_INSTANCE_DIR": app.instance_path,
        "RQ_WORKER_THREAD": "0",
        **extra,
    }


def _worker_command(app_spec: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", app_spec, "worker", *flags]


def _burst(app: Flask, database_url: str, app_spec: str = "wsgi", **extra: str) -> None:
    """Run ``flask worker --burst`` until the queues are empty."""
    db.session.rollback()  # hold no snapshot or lock while the worker works
    done = subprocess.run(
        _worker_command(app_spec, "--burst"),
        cwd=ROOT, env=_env(app, database_url, **extra), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def _retry(client, report_id) -> None:
    token = csrf_token_from(client, f"/reports/{report_id}")
    response = client.post(f"/reports/{report_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303


def test_a_worker_process_builds_a_requested_report_end_to_end(app, cast, database_url):
    db.session.commit()
    client = signed_in_client(app, cast.researcher_a)
    today = str(utcnow().date())
    response = request_via_form(
        client, "workspace_activity", workspace=str(cast.ws_a.id), date_from=today, date_to=today
    )
    report_id = requested_id(response)
    assert reload(report_id).status == "queued"
    _burst(app, database_url)
    report = reload(report_id)
    assert (report.status, report.progress, report.row_count) == ("succeeded", 100, 1)
    assert report_file(report_id).is_file()
    download = client.get(f"/reports/{report_id}/download")
    assert download.status_code == 200
    assert "attachment;" in download.headers["Content-Disposition"]
    assert download.data.decode("utf-8-sig").splitlines()[1].startswith("Alpha,alpha,")
    download.close()
    assert audit_actions(report_id) == [
        "report.requested",
        "report.succeeded",
        "report.downloaded",
    ]
    assert verify_chain().ok  # the worker's audit rows extend the same chain


def test_a_failed_job_shows_its_error_and_a_retry_succeeds(app, cast, database_url, test_kinds):
    db.session.commit()
    client = signed_in_client(app, cast.researcher_a)
    report_id = requested_id(request_via_form(client, "test_flaky"))
    _burst(app, database_url, TEST_WORKER_APP)
    failed = reload(report_id)
    job_id = f"report-{report_id}-1"
    assert (failed.status, failed.error) == ("failed", INTERNAL_ERROR.format(job=job_id))
    page = text(client.get(f"/reports/{report_id}"))
    assert "internal error" in page and ">Retry</button>" in page
    assert "Traceback" not in page and "hunter2" not in page
    _retry(client, report_id)
    _burst(app, database_url, TEST_WORKER_APP)
    done = reload(report_id)
    assert (done.status, done.attempts, done.row_count) == ("succeeded", 2, 1)
    assert audit_actions(report_id) == [
        "report.requested",
        "report.failed",
        "report.retried",
        "report.succeeded",
    ]


def _children(pid: int) -> list[int]:
    """The ids of the processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_until_running(report_id, seconds: float = 60) -> Report:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = reload(report_id)
        db.session.rollback()
        if report.status == "running" and report.progress > 0:
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} never started running")


def test_a_killed_worker_leaves_a_report_that_is_failed_and_retried(
    app, cast, database_url, test_kinds, tmp_path
):
    db.session.commit()
    client = signed_in_client(app, cast.researcher_a)
    report_id = requested_id(request_via_form(client, "test_slow"))
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        _worker_command(TEST_WORKER_APP),
        cwd=ROOT, env=_env(app, database_url, REPORT_TEST_CHUNKS="600", REPORT_TEST_DELAY="0.1"),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        running = _wait_until_running(report_id)
    finally:
        # The worker and its horse (RQ gives the horse a process group of its own), at
        # once: nothing gets to clean up or report.
        for group in (*_children(worker.pid), worker.pid):
            os.killpg(group, signal.SIGKILL)
        worker.wait(timeout=30)
        log.close()
    progress = running.progress
    assert 0 < progress < 100
    assert client.get(f"/reports/{report_id}/status").json["status"] == "running"
    # A minute without a heartbeat, without waiting a minute.
    a_minute_ago = utcnow() - timedelta(seconds=61)
    db.session.execute(
        update(Report).where(Report.id == report_id).values(heartbeat_at=a_minute_ago)
    )
    db.session.commit()
    status = client.get(f"/reports/{report_id}/status").json
    assert (status["status"], status["error"]) == ("failed", WORKER_STOPPED)
    assert audit_actions(report_id)[-1] == "report.failed"
    _retry(client, report_id)
    _burst(app, database_url, TEST_WORKER_APP, REPORT_TEST_CHUNKS="3")
    done = reload(report_id)
    assert (done.status, done.attempts, done.row_count) == ("succeeded", 2, 3)
    assert not list(report_file(report_id).parent.glob(f".{report_id}-*"))
