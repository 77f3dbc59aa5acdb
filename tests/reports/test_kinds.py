"""Each report kind's CSV: the right rows for who asked, injection neutralised, a preview."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from portal.services import audit
from portal.services.reports.access_review import EVERYONE_HEADER, MEMBERS_HEADER
from portal.services.reports.audit_summary import AUDIT_HEADER
from portal.services.reports.errors import ReportRuleError
from portal.services.reports.files import PREVIEW_ROWS, neutralise, read_preview
from portal.services.reports.kinds import ACCESS_REVIEW, AUDIT_SUMMARY, WORKSPACE_ACTIVITY
from portal.services.reports.params import ReportParams
from portal.services.reports.requests import request_report
from portal.services.reports.workspace_activity import HEADER as ACTIVITY_HEADER
from tests.factories import MLModelFactory, ReportFactory, UserFactory, WorkspaceFactory
from tests.reports.helpers import csv_rows, reload, run_job


def _build(kind, actor, **params):
    report = request_report(kind, ReportParams(**params), actor=actor)
    db.session.commit()
    assert run_job(report.id)["status"] == "succeeded"
    assert reload(report.id).status == "succeeded"
    return report.id, csv_rows(report.id)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+31 20 555", "'+31 20 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, ""),
    ],
)
def test_neutralise_defuses_formula_cells_only(value, expected):
    assert neutralise(value) == expected


def test_access_review_of_everyone_for_an_admin(cast):
    cast.admin.last_login_at = utcnow().replace(microsecond=0)
    cast.admin.last_login_ip = "192.0.2.7"
    UserFactory(email="mallory@example.org", name='=HYPERLINK("http://evil.example")')
    UserFactory(email="gone@example.org", name="Gone Person", is_active=False)
    db.session.flush()
    _, rows = _build(ACCESS_REVIEW, cast.admin)
    assert rows[0] == EVERYONE_HEADER
    by_email = {row[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == sorted(by_email)
    assert len(by_email) == 10  # the cast's eight and the two above
    assert by_email["mallory@example.org"][1] == '\'=HYPERLINK("http://evil.example")'
    assert by_email["gone@example.org"][2] == "deactivated"
    admin = by_email["admin@example.org"]
    assert admin[2:5] == ["active", "Admin", "enrolled"]
    assert admin[6:8] == [cast.admin.last_login_at.strftime("%Y-%m-%d %H:%M:%S"), "192.0.2.7"]
    assert by_email["res-a@example.org"][3:8] == ["Researcher", "not enrolled", "", "never", ""]
    assert all(row[-1] == "" for row in rows[1:])  # the reviewer's decision column


def test_access_review_of_a_pi_covers_members_of_owned_workspaces(cast):
    _, rows = _build(ACCESS_REVIEW, cast.pi_a)
    assert rows[0] == MEMBERS_HEADER
    members = {(row[0], row[1], row[3]) for row in rows[1:]}
    assert members == {
        ("Alpha", "pi-a@example.org", "owner"),
        ("Alpha", "res-a@example.org", "editor"),
        ("Alpha", "res-a2@example.org", "editor"),
        ("Alpha", "analyst@example.org", "viewer"),
        ("Alpha", "viewer@example.org", "viewer"),
    }
    analyst = next(row for row in rows[1:] if row[1] == "analyst@example.org")
    assert analyst[5:9] == ["active", "Analyst", "not enrolled", "never"]


def test_access_review_of_one_workspace_for_an_admin(cast):
    _, rows = _build(ACCESS_REVIEW, cast.admin, workspace_id=cast.ws_b.id)
    assert rows[0] == MEMBERS_HEADER
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("Beta", "pi-b@example.org"),
        ("Beta", "res-b@example.org"),
    ]


def test_a_pi_cannot_review_a_workspace_they_do_not_own(cast):
    with pytest.raises(ReportRuleError, match="no such workspace"):
        request_report(ACCESS_REVIEW, ReportParams(workspace_id=cast.ws_b.id), actor=cast.pi_a)


def _events(cast):
    for _ in range(2):
        audit.record("test.alpha", actor=cast.researcher_a, workspace_id=cast.ws_a.id)
    audit.record("test.beta", actor=None, workspace_id=cast.ws_b.id)
    db.session.flush()


def test_audit_summary_counts_per_day_action_and_actor(cast):
    _events(cast)
    today = utcnow().date()
    _, rows = _build(AUDIT_SUMMARY, cast.admin, date_from=today - timedelta(days=2), date_to=today)
    assert rows[0] == AUDIT_HEADER
    day = today.isoformat()
    assert rows[1:] == [
        [day, "report.requested", "admin@example.org", "1"],
        [day, "test.alpha", "res-a@example.org", "2"],
        [day, "test.beta", "system", "1"],
    ]


def test_audit_summary_of_a_pi_has_only_their_workspaces_events(cast):
    _events(cast)
    today = utcnow().date()
    _, rows = _build(AUDIT_SUMMARY, cast.pi_a, date_from=today, date_to=today)
    assert rows[1:] == [[today.isoformat(), "test.alpha", "res-a@example.org", "2"]]


def test_audit_summary_leaves_out_days_outside_the_range(cast):
    _events(cast)
    yesterday = utcnow().date() - timedelta(days=1)
    report_id, rows = _build(AUDIT_SUMMARY, cast.admin, date_from=yesterday, date_to=yesterday)
    assert rows == [AUDIT_HEADER]
    assert reload(report_id).row_count == 0


def test_workspace_activity_counts_members_models_reports_and_events(cast):
    for stage in ("draft", "draft", "production"):
        MLModelFactory(workspace=cast.ws_a, stage=stage)
    ReportFactory(workspace=cast.ws_a, requested_by=cast.researcher_a)
    _events(cast)
    WorkspaceFactory(name="=cmd|' /C calc'!A0", slug="evil", owner=cast.pi_b)
    today = utcnow().date()
    _, rows = _build(WORKSPACE_ACTIVITY, cast.admin, date_from=today, date_to=today)
    assert rows[0] == ACTIVITY_HEADER
    assert rows[1] == [
        "'=cmd|' /C calc'!A0", "evil", "pi-b@example.org", "no", "1", "1", "0", "0",
        "0", "0", "0", "0", "0", "0",
    ]  # fmt: skip
    assert rows[2] == [
        "Alpha", "alpha", "pi-a@example.org", "no", "5", "1", "2", "2",
        "2", "0", "1", "0", "1", "2",
    ]  # fmt: skip
    assert rows[3][:5] == ["Beta", "beta", "pi-b@example.org", "no", "2"]
    assert rows[3][-1] == "1"


def test_workspace_activity_of_a_researcher_covers_their_workspaces(cast):
    today = utcnow().date()
    _, rows = _build(WORKSPACE_ACTIVITY, cast.researcher_a, date_from=today, date_to=today)
    assert [row[0] for row in rows[1:]] == ["Alpha"]
    with pytest.raises(ReportRuleError, match="no such workspace"):
        request_report(
            WORKSPACE_ACTIVITY,
            ReportParams(cast.ws_b.id, today, today),
            actor=cast.researcher_a,
        )


def test_preview_reads_the_first_fifty_rows_from_the_file(cast):
    for n in range(60):
        UserFactory(email=f"bulk{n:02d}@example.org")
    report_id, rows = _build(ACCESS_REVIEW, cast.admin)
    preview = read_preview(report_id)
    assert preview is not None
    assert preview.header == EVERYONE_HEADER
    assert len(preview.rows) == PREVIEW_ROWS
    assert preview.rows == rows[1 : PREVIEW_ROWS + 1]
    assert reload(report_id).row_count == len(rows) - 1 == 68
