"""A report followed in a real headless Chromium: progress page, then succeeded and download."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.jobs.worker import ThreadWorker, build_worker
from tests.browser.helpers import browser_sign_in
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def genomics_researcher(app):
    """Rita, an editor of Genomics (committed: the live server serves her)."""
    with app.app_context():
        user = UserFactory(email="reporter@example.org", name="Rita Reporter", roles=["Researcher"])
        workspace = WorkspaceFactory(name="Genomics", slug="genomics")
        MemberFactory(workspace=workspace, user=user, role="editor")
        db.session.commit()


def test_the_report_page_follows_the_job_to_its_download(page, app, genomics_researcher):
    browser_sign_in(page, "reporter@example.org")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="New report").click()
    page.get_by_role("link", name=re.compile("Workspace activity")).click()
    page.get_by_label("Workspace").select_option(label="Genomics")
    page.get_by_role("button", name="Request report").click()

    expect(page).to_have_url(re.compile(r"/reports/[0-9a-f-]{36}$"))
    expect(page.get_by_text("Workspace activity requested: it is being built.")).to_be_visible()
    expect(page.locator("section [data-report-status]")).to_have_text("queued")
    expect(page.locator("progress")).to_have_attribute("value", "0")

    # The live server has no worker: run the queued job here, as the worker thread would.
    assert build_worker(app, ThreadWorker).work(burst=True)

    # report-progress.js polls, sees "succeeded" and reloads the page with the result.
    expect(page.locator("section [data-report-status]")).to_have_text("succeeded", timeout=15_000)
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(page.locator("[data-preview] tbody tr")).to_have_count(1)
    expect(page.locator("[data-preview] tbody td").first).to_have_text("Genomics")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("workspace_activity-")
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert content[1].startswith("Genomics,genomics,")
