"""Report scenarios: request, retry and download."""

from __future__ import annotations

from portal.extensions import db
from portal.services.reports.files import relative_path, report_file
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import ReportFactory


@scenario("reports.new")
def reports_new(ctx: Ctx) -> None:
    ctx.admin()
    path = "/reports/new?kind=access_review"
    ctx.post(path, {"workspace": ""})
    assert ctx.response.headers["Location"].startswith("/reports/")


@scenario("reports.retry")
def reports_retry(ctx: Ctx) -> None:
    admin = ctx.admin()
    report = ReportFactory(requested_by=admin, status="failed", error="It broke.", attempts=1)
    ctx.post(f"/reports/{report.id}/retry", form=f"/reports/{report.id}")


@scenario("reports.download")
def reports_download(ctx: Ctx) -> None:
    """A GET that is audited: downloading a report's file."""
    admin = ctx.admin()
    report = ReportFactory(requested_by=admin, status="succeeded", progress=100, row_count=1)
    report.result_path = relative_path(report.id)
    db.session.flush()
    path = report_file(report.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a,b\n1,2\n", encoding="utf-8-sig")
    try:
        ctx.send("GET", f"/reports/{report.id}/download")
        assert ctx.response.mimetype == "text/csv"
        ctx.response.close()
    finally:
        path.unlink(missing_ok=True)
