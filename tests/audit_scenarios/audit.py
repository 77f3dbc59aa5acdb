"""Audit trail scenarios: verify the chain (a job) and export the trail."""

from __future__ import annotations

import re

from portal.jobs.worker import ThreadWorker, build_worker
from tests.audit_scenarios.context import Ctx, scenario

EXPORT_CSRF = re.compile(
    r'data-export-form>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
)
JOB_LOCATION = re.compile(r"[?&]job=([A-Za-z0-9-]+)")


@scenario("audit.verify")
def audit_verify(ctx: Ctx) -> None:
    """The POST only queues the verification; the job records its outcome. Run here by
    the real RQ worker class in this thread (as the reports tests do), not a real worker
    process, so that the test's transaction still rolls everything back."""
    ctx.admin()
    ctx.post("/audit/verify")
    assert JOB_LOCATION.search(ctx.response.headers["Location"])
    assert ctx.new_actions() == [], "the request itself records nothing"
    assert build_worker(ctx.app, ThreadWorker).work(burst=True)


@scenario("audit.export")
def audit_export(ctx: Ctx) -> None:
    """An export is a report of its own kind: requested, and the export itself recorded."""
    ctx.admin()
    # The trail page writes its export form by hand (value after name): read it as such.
    page = ctx.client.get("/audit").get_data(as_text=True)
    token = EXPORT_CSRF.search(page).group(1)
    ctx.post("/audit/export", {"format": "csv"}, token=token)
    assert ctx.response.headers["Location"].startswith("/reports/")
