"""The /reports pages: request, list, detail with progress, status JSON, download, retry."""

from __future__ import annotations

import re
from datetime import timedelta

from rq import Queue
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.worker import ThreadWorker, build_worker
from portal.models import AuditLog
from portal.models.base import utcnow
from portal.services.reports.lifecycle import fail_report
from tests.factories import ReportFactory
from tests.helpers.pages import csrf_token_from, text
from tests.helpers.signin import signed_in_client
from tests.reports.helpers import (
    audit_actions,
    counts,
    reload,
    request_via_form,
    requested_id,
    run_job,
)

INLINE_STYLE = re.compile(r"\sstyle=", re.IGNORECASE)


def _queue(app) -> Queue:
    return Queue("reports", connection=app.extensions["omniscope.redis"])


def test_the_kind_chooser_offers_what_the_role_may_run(cast, app):
    page = text(signed_in_client(app, cast.admin).get("/reports/new"))
    assert re.findall(r'data-kind="([a-z_]+)"', page) == [
        "access_review",
        "audit_summary",
        "workspace_activity",
    ]
    page = text(signed_in_client(app, cast.researcher_a).get("/reports/new"))
    assert re.findall(r'data-kind="([a-z_]+)"', page) == ["workspace_activity"]


def test_the_form_offers_the_workspaces_one_may_report_on(cast, client, sign_in):
    sign_in(cast.pi_a.email)
    page = text(client.get("/reports/new?kind=access_review"))
    assert "All workspaces I own" in page
    assert f'value="{cast.ws_a.id}"' in page and f'value="{cast.ws_b.id}"' not in page
    assert 'name="date_from"' not in page
    page = text(client.get(f"/reports/new?kind=workspace_activity&workspace={cast.ws_a.id}"))
    assert 'name="date_from"' in page and 'name="date_to"' in page
    assert f'<option value="{cast.ws_a.id}" selected>Alpha' in page


def test_requesting_a_report_queues_its_job_after_commit(cast, client, sign_in, app):
    sign_in(cast.researcher_a.email)
    today = utcnow().date()
    response = request_via_form(
        client,
        "workspace_activity",
        workspace=str(cast.ws_a.id),
        date_from=str(today - timedelta(days=6)),
        date_to=str(today),
    )
    report_id = requested_id(response)
    report = reload(report_id)
    assert (report.status, report.kind, report.attempts) == ("queued", "workspace_activity", 1)
    assert report.workspace_id == cast.ws_a.id
    assert report.requested_by_id == cast.researcher_a.id
    assert report.parameters == {"from": str(today - timedelta(days=6)), "to": str(today)}
    assert report.job_id == f"report-{report_id}-1"
    job = _queue(app).fetch_job(report.job_id)
    assert job is not None and job.args == (str(report_id),)
    assert job.func_name == "portal.jobs.reports.generate_report"
    assert job.timeout == 600 and job.result_ttl == 3600 and job.failure_ttl == 86400
    assert audit_actions(report_id) == ["report.requested"]
    page = text(client.get(f"/reports/{report_id}"))
    assert "Workspace activity requested: it is being built." in page


def test_the_page_of_a_running_report_polls_and_degrades_without_script(cast, client, sign_in):
    report = ReportFactory(requested_by=cast.researcher_a, status="running", progress=40)
    report.started_at = report.heartbeat_at = utcnow()
    db.session.commit()
    sign_in(cast.researcher_a.email)
    page = text(client.get(f"/reports/{report.id}"))
    assert f'data-report-status-url="/reports/{report.id}/status"' in page
    assert '<progress id="report-progress" class="w-100" max="100" value="40"' in page
    assert "<noscript>" in page and "data-refresh" in page
    assert 'src="/static/js/report-progress.js"' in page
    assert "<script>" not in page and not INLINE_STYLE.search(page)
    status = client.get(f"/reports/{report.id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json == {
        "id": str(report.id),
        "status": "running",
        "progress": 40,
        "row_count": None,
        "error": None,
        "finished": False,
    }


def test_a_succeeded_report_shows_its_preview_and_downloads_audited(cast, client, sign_in, app):
    sign_in(cast.researcher_a.email)
    today = str(utcnow().date())
    response = request_via_form(
        client, "workspace_activity", workspace=str(cast.ws_a.id), date_from=today, date_to=today
    )
    report_id = requested_id(response)
    worker = build_worker(app, ThreadWorker)  # the real RQ path, in this thread
    assert worker.work(burst=True)
    db.session.expire_all()
    assert reload(report_id).status == "succeeded"
    page = text(client.get(f"/reports/{report_id}"))
    assert "report-progress.js" not in page and "<noscript>" not in page
    assert f'href="/reports/{report_id}/download"' in page
    assert "<td>Alpha</td>" in page and "All 1 rows" in page
    download = client.get(f"/reports/{report_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "workspace_activity-" in disposition
    assert download.data.decode("utf-8-sig").splitlines()[1].startswith("Alpha,alpha,")
    assert download.headers["Cache-Control"] == "no-store"
    download.close()
    assert audit_actions(report_id)[-1] == "report.downloaded"
    downloaded = db.session.scalar(
        select(AuditLog).where(
            AuditLog.target_id == str(report_id), AuditLog.action == "report.downloaded"
        )
    )
    assert downloaded.actor_id == cast.researcher_a.id
    assert downloaded.workspace_id == cast.ws_a.id


def test_a_report_without_a_file_yet_cannot_be_downloaded(cast, client, sign_in):
    report = ReportFactory(requested_by=cast.researcher_a)
    db.session.commit()
    sign_in(cast.researcher_a.email)
    assert client.get(f"/reports/{report.id}/download").status_code == 409
    assert audit_actions(report.id) == []


def test_a_failed_report_shows_its_error_and_retry_requeues_it(cast, client, sign_in, app):
    report = ReportFactory(requested_by=cast.researcher_a, attempts=1)
    report.job_id = f"report-{report.id}-1"
    db.session.flush()
    fail_report(report.id, "Something readable went wrong.")
    db.session.commit()
    sign_in(cast.researcher_a.email)
    page = text(client.get(f"/reports/{report.id}"))
    assert "Something readable went wrong." in page
    token = csrf_token_from(client, f"/reports/{report.id}")
    response = client.post(f"/reports/{report.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/reports/{report.id}"
    again = reload(report.id)
    assert (again.status, again.attempts, again.error) == ("queued", 2, None)
    assert again.job_id == f"report-{report.id}-2"
    assert _queue(app).fetch_job(again.job_id) is not None
    assert audit_actions(report.id) == ["report.failed", "report.retried"]
    assert "Retrying: attempt 2 is queued." in text(client.get(f"/reports/{report.id}"))


def test_retrying_a_report_that_did_not_fail_changes_nothing(cast, client, sign_in):
    report = ReportFactory(requested_by=cast.researcher_a, status="succeeded", attempts=1)
    db.session.commit()
    sign_in(cast.researcher_a.email)
    token = csrf_token_from(client, "/reports/new?kind=workspace_activity")
    before = counts()
    response = client.post(f"/reports/{report.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert (reload(report.id).status, reload(report.id).attempts) == ("succeeded", 1)
    assert counts() == before
    assert "Only a failed report can be retried." in text(client.get(f"/reports/{report.id}"))


def test_the_list_pages_newest_first_with_filters_and_a_count(cast, client, sign_in):
    now = utcnow()
    made = []
    for n, status in enumerate(["succeeded", "failed", "queued", "failed", "succeeded"]):
        made.append(
            ReportFactory(
                requested_by=cast.researcher_a, status=status, created_at=now - timedelta(hours=n)
            )
        )
    ReportFactory(requested_by=cast.researcher_b)  # not theirs to see
    db.session.commit()
    sign_in(cast.researcher_a.email)
    first = client.get("/reports?per_page=2")
    rows = re.findall(r'data-report-row="([^"]+)"', text(first))
    assert rows == [str(made[0].id), str(made[1].id)]
    assert "5 reports" in text(first)
    older = re.search(r'rel="next" href="([^"]+)"', text(first)).group(1).replace("&amp;", "&")
    second = re.findall(r'data-report-row="([^"]+)"', text(client.get(older)))
    assert second == [str(made[2].id), str(made[3].id)]
    failed = client.get("/reports?status=failed&kind=access_review&mine=yes")
    assert re.findall(r'data-report-row="([^"]+)"', text(failed)) == [
        str(made[1].id),
        str(made[3].id),
    ]
    assert "2 reports" in text(failed)


def test_the_nav_links_to_reports_for_roles_that_generate_them(cast, app):
    assert 'href="/reports"' in text(signed_in_client(app, cast.analyst).get("/"))
    assert 'href="/reports"' not in text(signed_in_client(app, cast.viewer).get("/"))


def test_a_missing_csrf_token_is_refused(cast, client, sign_in):
    report = ReportFactory(requested_by=cast.researcher_a, status="failed")
    db.session.commit()
    sign_in(cast.researcher_a.email)
    before = counts()
    today = str(utcnow().date())
    response = client.post(
        "/reports/new?kind=workspace_activity", data={"date_from": today, "date_to": today}
    )
    assert response.status_code == 400
    assert client.post(f"/reports/{report.id}/retry").status_code == 400
    assert counts() == before
    assert reload(report.id).status == "failed"


def test_running_the_job_inline_after_the_form(cast, client, sign_in):
    sign_in(cast.pi_a.email)
    report_id = requested_id(request_via_form(client, "access_review"))
    run_job(report_id)
    assert reload(report_id).row_count == 5
