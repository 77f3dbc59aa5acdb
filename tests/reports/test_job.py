"""The report job run inline: states, progress, heartbeat, idempotence, readable failures."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.jobs import reports as job_module
from portal.models.base import utcnow
from portal.services.reports.errors import ReportRuleError
from portal.services.reports.files import report_file
from portal.services.reports.kinds import WORKSPACE_ACTIVITY
from portal.services.reports.lifecycle import fail_report
from portal.services.reports.params import ReportParams
from portal.services.reports.requests import request_report, retry_report
from portal.services.reports.rows import Chunk, ReportRows
from tests.factories import MemberFactory, ReportFactory
from tests.reports.helpers import audit_actions, csv_rows, reload, run_job
from tests.reports.kinds import SECRET_DETAIL, kind_of


def _queued(kind: str, user, **values):
    report = ReportFactory(kind=kind, requested_by=user, attempts=1, **values)
    report.job_id = f"report-{report.id}-1"
    db.session.commit()
    return report


def test_a_job_takes_a_report_from_queued_to_succeeded(cast, test_kinds, app):
    app.config["REPORT_TEST_CHUNKS"] = 4
    report = _queued("test_slow", cast.researcher_a)
    result = run_job(report.id)
    assert result == {"report_id": str(report.id), "status": "succeeded", "rows": 4}
    done = reload(report.id)
    assert (done.status, done.progress, done.row_count, done.error) == ("succeeded", 100, 4, None)
    assert done.started_at <= done.heartbeat_at <= done.finished_at
    assert done.result_path == f"reports/{report.id}.csv"
    assert csv_rows(report.id)[0] == ["n", "note"]
    assert audit_actions(report.id) == ["report.succeeded"]
    assert not list(report_file(report.id).parent.glob(f".{report.id}-*"))  # no temp file


def test_progress_and_heartbeat_are_committed_every_chunk(cast, app, monkeypatch):
    seen = []

    def chunks():
        for n in range(1, 4):
            row = db.session.get(type(report), report.id, populate_existing=True)
            seen.append((row.status, row.progress, row.heartbeat_at))
            yield Chunk([[n]], n * 33)

    kind = kind_of("paced", lambda ctx: ReportRows(["n"], chunks()))
    monkeypatch.setitem(app.config, "REPORT_EXTRA_KINDS", {"paced": kind})
    report = _queued("paced", cast.researcher_a)
    run_job(report.id)
    assert [s[:2] for s in seen] == [("running", 0), ("running", 33), ("running", 66)]
    assert seen[0][2] <= seen[1][2] <= seen[2][2]


def test_a_succeeded_report_is_left_alone(cast, test_kinds):
    report = _queued("test_slow", cast.researcher_a)
    run_job(report.id)
    before = report_file(report.id).stat().st_mtime_ns
    assert run_job(report.id)["status"] == "skipped"
    assert report_file(report.id).stat().st_mtime_ns == before
    assert audit_actions(report.id) == ["report.succeeded"]


def test_a_report_running_elsewhere_with_a_fresh_heartbeat_is_left_alone(cast, test_kinds):
    now = utcnow()
    report = _queued("test_slow", cast.researcher_a, status="running", started_at=now)
    report.heartbeat_at = now
    db.session.commit()
    assert run_job(report.id)["status"] == "skipped"
    assert reload(report.id).status == "running"
    assert not report_file(report.id).exists()


def test_a_job_of_an_earlier_attempt_does_nothing(cast, test_kinds, monkeypatch):
    report = _queued("test_slow", cast.researcher_a)
    report.job_id, report.attempts = f"report-{report.id}-2", 2
    db.session.commit()
    old_job = SimpleNamespace(id=f"report-{report.id}-1")
    monkeypatch.setattr(job_module, "get_current_job", lambda: old_job)
    assert run_job(report.id)["status"] == "skipped"
    assert reload(report.id).status == "queued"


def test_an_unexpected_error_fails_the_report_with_a_plain_message(cast, test_kinds, caplog):
    report = _queued("test_broken", cast.researcher_a)
    with caplog.at_level(logging.ERROR, logger="portal.jobs.reports"):
        assert run_job(report.id)["status"] == "failed"
    failed = reload(report.id)
    assert failed.status == "failed"
    assert failed.error.startswith("The report could not be built because of an internal error")
    assert SECRET_DETAIL not in failed.error and "Traceback" not in failed.error
    assert failed.finished_at is not None
    assert any(SECRET_DETAIL in (r.exc_text or "") for r in caplog.records)  # logged in full
    assert audit_actions(report.id) == ["report.failed"]
    assert not report_file(report.id).exists()
    assert not list(report_file(report.id).parent.glob(f".{report.id}-*"))


def test_broken_parameters_fail_the_report_with_their_reason(cast):
    report = _queued(
        "audit_summary", cast.admin, parameters={"from": "2024-13-45", "to": "2024-01-01"}
    )
    run_job(report.id)
    failed = reload(report.id)
    assert (failed.status, failed.error) == ("failed", "The report's start date is not valid.")


def test_an_unknown_kind_fails_the_report(cast):
    report = _queued("retired_kind", cast.admin)
    run_job(report.id)
    assert reload(report.id).error == "This kind of report is no longer offered."


def test_rights_are_checked_again_when_the_job_runs_and_retry_works(cast):
    today = utcnow().date()
    params = ReportParams(cast.ws_a.id, today - timedelta(days=1), today)
    report = request_report(WORKSPACE_ACTIVITY, params, actor=cast.researcher_a)
    db.session.commit()
    membership = next(m for m in cast.ws_a.members if m.user_id == cast.researcher_a.id)
    db.session.delete(membership)
    db.session.commit()
    run_job(report.id)
    failed = reload(report.id)
    assert failed.status == "failed"
    assert failed.error == "There is no such workspace, or you may not report on it."
    MemberFactory(workspace=cast.ws_a, user=cast.researcher_a, role="editor")
    retry_report(failed, actor=cast.researcher_a)
    db.session.commit()
    assert run_job(report.id)["status"] == "succeeded"
    done = reload(report.id)
    assert (done.status, done.attempts, done.error) == ("succeeded", 2, None)
    assert [row[0] for row in csv_rows(report.id)[1:]] == ["Alpha"]
    assert audit_actions(report.id) == [
        "report.requested",
        "report.failed",
        "report.retried",
        "report.succeeded",
    ]


def test_a_retry_overwrites_the_earlier_file(cast, test_kinds):
    report = _queued("test_flaky", cast.researcher_a)
    run_job(report.id)
    assert reload(report.id).status == "failed"
    report_file(report.id).parent.mkdir(parents=True, exist_ok=True)
    report_file(report.id).write_text("stale content\n")
    retry_report(reload(report.id), actor=cast.researcher_a)
    db.session.commit()
    run_job(report.id)
    assert csv_rows(report.id) == [["n", "note"], ["1", "'=worked on retry"]]


def test_a_job_that_loses_its_report_midway_stops_and_cleans_up(cast, app, monkeypatch):
    def chunks():
        yield Chunk([[1]], 50)
        # As the stale check would, from another process, while this job is slow.
        fail_report(report.id, "The worker stopped while building this report; retry it.")
        db.session.commit()
        yield Chunk([[2]], 99)

    kind = kind_of("lost", lambda ctx: ReportRows(["n"], chunks()))
    monkeypatch.setitem(app.config, "REPORT_EXTRA_KINDS", {"lost": kind})
    report = _queued("lost", cast.researcher_a)
    assert run_job(report.id)["status"] == "lost"
    after = reload(report.id)
    assert (after.status, after.row_count) == ("failed", None)
    assert not report_file(report.id).exists()
    assert not list(report_file(report.id).parent.glob(f".{report.id}-*"))


@pytest.mark.parametrize("status", ["queued", "running", "succeeded"])
def test_only_failed_reports_can_be_retried(cast, status):
    report = ReportFactory(status=status, requested_by=cast.researcher_a)
    with pytest.raises(ReportRuleError, match="Only a failed report"):
        retry_report(report, actor=cast.researcher_a)
