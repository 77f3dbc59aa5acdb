"""Reports whose worker died (or whose job vanished) are failed within a minute, lazily."""

from __future__ import annotations

import uuid
from datetime import timedelta

from rq import Queue

from portal.extensions import db
from portal.models.base import utcnow
from portal.services.reports.lifecycle import JOB_LOST, WORKER_STOPPED, fail_stale_reports
from tests.factories import ReportFactory
from tests.reports.helpers import audit_actions, reload


def _running(user, *, beat_seconds_ago: float | None, started_seconds_ago: float = 300):
    now = utcnow()
    report = ReportFactory(
        requested_by=user,
        status="running",
        attempts=1,
        started_at=now - timedelta(seconds=started_seconds_ago),
        heartbeat_at=None
        if beat_seconds_ago is None
        else now - timedelta(seconds=beat_seconds_ago),
    )
    report.job_id = f"report-{report.id}-1"
    db.session.flush()
    return report


def _queued(user, *, minutes_ago: float):
    old, report_id = utcnow() - timedelta(minutes=minutes_ago), uuid.uuid4()
    # All at once: a later change would move updated_at (the queued age) to now.
    return ReportFactory(
        id=report_id,
        job_id=f"report-{report_id}-1",
        requested_by=user,
        attempts=1,
        created_at=old,
        updated_at=old,
    )


def test_a_running_report_without_a_heartbeat_for_a_minute_fails(cast):
    dead = _running(cast.researcher_a, beat_seconds_ago=61)
    alive = _running(cast.researcher_a, beat_seconds_ago=5)
    assert fail_stale_reports() == [dead.id]
    assert (reload(dead.id).status, reload(dead.id).error) == ("failed", WORKER_STOPPED)
    assert reload(dead.id).finished_at is not None
    assert reload(alive.id).status == "running"
    assert audit_actions(dead.id) == ["report.failed"]
    assert fail_stale_reports() == []  # once only
    assert audit_actions(dead.id) == ["report.failed"]


def test_a_running_report_that_never_beat_is_judged_by_its_start(cast):
    dead = _running(cast.researcher_a, beat_seconds_ago=None, started_seconds_ago=90)
    young = _running(cast.researcher_a, beat_seconds_ago=None, started_seconds_ago=10)
    assert fail_stale_reports() == [dead.id]
    assert reload(young.id).status == "running"


def test_a_long_queued_report_without_its_rq_job_fails(cast, app):
    lost = _queued(cast.researcher_a, minutes_ago=11)
    waiting = _queued(cast.researcher_a, minutes_ago=11)
    Queue("reports", connection=app.extensions["omniscope.redis"]).enqueue(
        "portal.jobs.reports.generate_report", str(waiting.id), job_id=waiting.job_id
    )
    recent = _queued(cast.researcher_a, minutes_ago=5)
    assert fail_stale_reports() == [lost.id]
    assert (reload(lost.id).status, reload(lost.id).error) == ("failed", JOB_LOST)
    assert reload(waiting.id).status == "queued"  # a worker will still get to it
    assert reload(recent.id).status == "queued"


def test_a_queued_report_whose_rq_job_is_over_fails(cast, app):
    report = _queued(cast.researcher_a, minutes_ago=11)
    job = Queue("reports", connection=app.extensions["omniscope.redis"]).enqueue(
        "portal.jobs.reports.generate_report", str(report.id), job_id=report.job_id
    )
    job.set_status("failed")
    assert fail_stale_reports() == [report.id]


def test_pages_and_the_status_endpoint_fail_stale_reports_when_read(cast, client, sign_in):
    dead = _running(cast.researcher_a, beat_seconds_ago=120)
    db.session.commit()
    assert sign_in(cast.researcher_a.email).status_code == 303
    response = client.get(f"/reports/{dead.id}/status")
    assert response.status_code == 200
    assert response.json["status"] == "failed"
    assert response.json["error"] == WORKER_STOPPED
    page = client.get(f"/reports/{dead.id}").get_data(as_text=True)
    assert WORKER_STOPPED in page and ">Retry</button>" in page


def test_the_list_fails_stale_reports_too(cast, client, sign_in):
    dead = _running(cast.researcher_a, beat_seconds_ago=120)
    db.session.commit()
    sign_in(cast.researcher_a.email)
    assert client.get("/reports").status_code == 200
    assert reload(dead.id).status == "failed"


def test_the_cli_command_fails_stale_reports(cast, app):
    dead = _running(cast.researcher_a, beat_seconds_ago=120)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "fail-stale"])
    assert result.exit_code == 0, result.output
    assert "1 stale report(s) marked failed." in result.output
    assert reload(dead.id).status == "failed"
