"""Exporting the trail: an RQ job per export, CSV or JSON Lines, scoped, audited."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.worker import ThreadWorker, build_worker
from portal.models import AuditLog, Report
from portal.services import audit
from portal.services.audit.export import HEADER
from tests.factories import UserFactory, WorkspaceFactory
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import assert_signed_in, signed_in_client


def _run_jobs(app) -> None:
    worker = build_worker(app, ThreadWorker)
    thread = threading.Thread(target=worker.work, kwargs={"burst": True})
    thread.start()
    thread.join(timeout=120)


def _export(client, fmt="csv", **filters):
    token = csrf_token_from(client, "/logout")
    return client.post("/audit/export", data={"csrf_token": token, "format": fmt, **filters})


@pytest.fixture
def seeded(app):
    """An Admin, a PI owning one workspace, and events inside and outside it (committed)."""
    with app.app_context():
        UserFactory(email="exporter@example.org", roles=["Admin"], mfa=True)
        pi = UserFactory(email="pi-export@example.org", roles=["PI"], mfa=True)
        UserFactory(email="other-pi@example.org", roles=["PI"], mfa=True)
        mine, other = WorkspaceFactory(owner=pi), WorkspaceFactory()
        for i in range(30):
            workspace = mine.id if i % 3 == 0 else other.id
            audit.record(
                "model.registered", actor=None, target_type="model", workspace_id=workspace
            )
        audit.record(
            "user.updated",
            actor=None,
            target_type="user",
            target_id="=HYPERLINK(1)",
            details={"csv": "=1+2"},
        )
        db.session.commit()
        return {"mine": mine.id, "other": other.id}


@pytest.mark.committed
def test_admin_exports_a_filter_as_csv(app, client, sign_in, seeded, audit_rows):
    assert_signed_in(sign_in("exporter@example.org"))
    response = _export(client, "csv", action="model.registered")
    assert response.status_code == 303 and response.headers["Location"].startswith("/reports/")
    _run_jobs(app)
    report_id = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Audit export (CSV)" in page
    download = client.get(f"/reports/{report_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert len(rows) == 31 and {r[HEADER.index("action")] for r in rows[1:]} == {"model.registered"}
    seqs = [int(r[0]) for r in rows[1:]]
    assert seqs == sorted(seqs)
    with app.app_context():
        actions = [r.action for r in db.session.scalars(select(AuditLog).order_by(AuditLog.seq))]
        assert actions[-4:] == ["report.requested", "audit.exported", "report.succeeded",
                                "report.downloaded"]  # fmt: skip


@pytest.mark.committed
def test_jsonl_export_and_csv_injection_guard(app, client, sign_in, seeded):
    assert_signed_in(sign_in("exporter@example.org"))
    location = _export(client, "jsonl", action="user.updated").headers["Location"]
    _run_jobs(app)
    body = client.get(f"{location}/download").get_data(as_text=True)
    records = [json.loads(line) for line in body.splitlines()]
    assert len(records) == 1 and list(records[0]) == HEADER
    assert records[0]["details"] == {"csv": "=1+2"}  # JSON keeps the value as is
    csv_location = _export(client, "csv", action="user.updated").headers["Location"]
    _run_jobs(app)
    text = client.get(f"{csv_location}/download").get_data(as_text=True)
    assert '"=1+2"' in text  # inside the JSON cell: not at the start of a cell
    assert ",'=HYPERLINK(1)," in text  # a cell that starts like a formula is neutralised


@pytest.mark.committed
def test_pi_export_holds_only_their_workspaces_and_stays_theirs(app, client, sign_in, seeded):
    assert_signed_in(sign_in("pi-export@example.org"))
    location = _export(client, "csv").headers["Location"]
    _run_jobs(app)
    text = client.get(f"{location}/download").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    workspaces = {r[HEADER.index("workspace_id")] for r in rows}
    assert workspaces == {str(seeded["mine"])} and len(rows) == 10
    other = signed_in_client(app, "other-pi@example.org")
    assert other.get(f"{location}/download").status_code == 404
    assert other.get(location).status_code == 404


@pytest.mark.parametrize(
    "filters",
    [
        {"action": "nonsense"},
        {"workspace": "nope"},
        {"date_from": "2026-99-01"},
        {"target_id": "x" * 100},
        {"format": "xml"},
    ],
)
def test_bad_exports_are_refused_and_change_nothing(client, admin, filters):
    data = {"format": "csv", **filters}
    response = _export(client, **data)
    assert response.status_code == 400
    assert db.session.scalar(select(Report.id)) is None


def test_export_needs_csrf_and_permission(client, researcher):
    token = csrf_token_from(client, "/logout")
    assert (
        client.post("/audit/export", data={"csrf_token": token, "format": "csv"}).status_code == 403
    )
    assert client.post("/audit/export", data={"format": "csv"}).status_code == 400
