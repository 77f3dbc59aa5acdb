"""Helpers of the /reports tests: requesting through the form, running jobs, reading files."""

from __future__ import annotations

import csv
import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.jobs.reports import generate_report
from portal.models import AuditLog, Report
from portal.services.reports.files import ENCODING, report_file
from tests.helpers.pages import csrf_token_from, text

REPORT_PATH = re.compile(r"^/reports/([0-9a-f-]{36})$")


def request_via_form(client: FlaskClient, kind: str, **fields: str) -> Any:
    """Post the new-report form of ``kind`` with a fresh CSRF token."""
    token = csrf_token_from(client, f"/reports/new?kind={kind}")
    return client.post(f"/reports/new?kind={kind}", data={"csrf_token": token, **fields})


def requested_id(response: Any) -> uuid.UUID:
    """The id of the report a successful form post redirected to."""
    assert response.status_code == 303, text(response)[:3000]
    match = REPORT_PATH.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return uuid.UUID(match.group(1))


def run_job(report_id: uuid.UUID) -> dict[str, Any]:
    """Run the report job inline (no RQ), as a worker would."""
    result = generate_report(str(report_id))
    db.session.expire_all()
    return result


def reload(report_id: uuid.UUID) -> Report:
    """The report as it is in the database now."""
    report = db.session.get(Report, report_id, populate_existing=True)
    assert report is not None
    return report


def csv_rows(report_id: uuid.UUID) -> list[list[str]]:
    """The report file's rows, header first."""
    with report_file(report_id).open(encoding=ENCODING, newline="") as handle:
        return list(csv.reader(handle))


def counts() -> tuple[int, int]:
    """How many reports and audit rows exist (to show a refused request changed nothing)."""
    reports = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    return reports, events


def audit_actions(report_id: uuid.UUID) -> list[str]:
    """The audit actions recorded about a report, in order."""
    stmt = (
        sa.select(AuditLog.action)
        .where(AuditLog.target_type == "report", AuditLog.target_id == str(report_id))
        .order_by(AuditLog.seq)
    )
    return list(db.session.scalars(stmt))
