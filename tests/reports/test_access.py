"""Who sees which report: own; a PI also their workspaces'; Admin all; Viewer nothing."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.services.reports.files import report_file
from tests.factories import MemberFactory, ReportFactory, UserFactory, custom_role
from tests.helpers.pages import text
from tests.helpers.signin import signed_in_client
from tests.reports.helpers import counts, request_via_form

PATHS = ("", "/status", "/download")


def _listed(client, query: str = "") -> set[str]:
    return set(re.findall(r'data-report-row="([^"]+)"', text(client.get(f"/reports{query}"))))


def _report(user, workspace=None, status="failed"):
    """A report (failed, so it could be retried), or succeeded with a file."""
    report = ReportFactory(requested_by=user, workspace=workspace, status=status, row_count=1)
    if status == "succeeded":
        path = report_file(report.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("n\n1\n", encoding="utf-8")
    return report


@pytest.fixture
def reports(cast):
    """A report of each kind of owner: researcher in A (scoped to A and not), in B, a PI."""
    made = {
        "a_scoped": _report(cast.researcher_a, cast.ws_a, "succeeded"),
        "a_unscoped": _report(cast.researcher_a),
        "a2_scoped": _report(cast.researcher_a2, cast.ws_a),
        "b_scoped": _report(cast.researcher_b, cast.ws_b, "succeeded"),
        "pi_b_own": _report(cast.pi_b),
    }
    db.session.commit()
    return {name: str(report.id) for name, report in made.items()}


def _visible(client, reports) -> set[str]:
    """The reports this client may open, by every route."""
    seen = set()
    for name, report_id in reports.items():
        codes = {client.get(f"/reports/{report_id}{path}").status_code for path in PATHS[:2]}
        assert len(codes) == 1, (name, codes)
        if codes == {200}:
            seen.add(name)
        else:
            assert codes == {404}, (name, codes)
    return seen


def test_a_researcher_sees_only_their_own_reports(app, cast, reports):
    client = signed_in_client(app, cast.researcher_a)
    assert _visible(client, reports) == {"a_scoped", "a_unscoped"}
    assert _listed(client) == {reports["a_scoped"], reports["a_unscoped"]}
    assert _listed(client, "?mine=yes") == {reports["a_scoped"], reports["a_unscoped"]}


def test_a_researcher_cannot_reach_another_workspaces_report_by_any_route(app, cast, reports):
    client = signed_in_client(app, cast.researcher_a)
    other = reports["b_scoped"]
    before = counts()
    for path in PATHS:
        response = client.get(f"/reports/{other}{path}")
        assert response.status_code == 404, path
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(
        client.get("/reports/new?kind=workspace_activity")
    )).group(1)  # fmt: skip
    retry = client.post(f"/reports/{reports['a2_scoped']}/retry", data={"csrf_token": token})
    assert retry.status_code == 404
    assert counts() == before  # no download or retry was recorded


def test_a_pi_sees_their_workspaces_reports_and_their_own(app, cast, reports):
    client = signed_in_client(app, cast.pi_a)
    assert _visible(client, reports) == {"a_scoped", "a2_scoped"}
    assert client.get(f"/reports/{reports['a_scoped']}/download").status_code == 200
    assert _listed(client) == {reports["a_scoped"], reports["a2_scoped"]}
    assert _listed(client, "?mine=yes") == set()
    client_b = signed_in_client(app, cast.pi_b)
    assert _visible(client_b, reports) == {"b_scoped", "pi_b_own"}


def test_an_admin_sees_every_report(app, cast, reports):
    client = signed_in_client(app, cast.admin)
    assert _visible(client, reports) == set(reports)
    assert _listed(client) == set(reports.values())
    assert client.get(f"/reports/{reports['b_scoped']}/download").status_code == 200


def test_a_viewer_is_refused_everywhere(app, cast, reports):
    client = signed_in_client(app, cast.viewer)
    for path in ("/reports", "/reports/new", "/reports/new?kind=workspace_activity"):
        assert client.get(path).status_code == 403, path
    for path in PATHS:
        assert client.get(f"/reports/{reports['a_scoped']}{path}").status_code == 403
    assert client.post(f"/reports/{reports['a_unscoped']}/retry").status_code in (400, 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, cast, reports):
    for path in ("/reports", f"/reports/{reports['a_scoped']}/download"):
        response = client.get(path)
        assert response.status_code in (302, 303)
        assert response.headers["Location"].startswith("/login")


def test_kinds_a_role_may_not_run_are_refused(app, cast):
    client = signed_in_client(app, cast.researcher_a)
    before = counts()
    assert client.get("/reports/new?kind=access_review").status_code == 403
    assert client.get("/reports/new?kind=audit_summary").status_code == 403
    assert client.post("/reports/new?kind=access_review").status_code in (400, 403)
    assert counts() == before


def test_a_pi_cannot_scope_a_review_to_a_workspace_they_only_belong_to(app, cast):
    MemberFactory(workspace=cast.ws_b, user=cast.pi_a, role="editor")
    db.session.commit()
    client = signed_in_client(app, cast.pi_a)
    before = counts()
    response = request_via_form(client, "access_review", workspace=str(cast.ws_b.id))
    assert response.status_code == 400
    assert "There is no such workspace, or you may not report on it." in text(response)
    assert counts() == before


def test_a_role_with_only_reports_view_all_reads_every_report_but_requests_none(app, cast, reports):
    """reports.view_all alone opens the list, details and downloads, not the request form."""
    reader = UserFactory(email="reader@example.org", roles=[])
    custom_role("Report Reader", ["reports.view_all"], holders=[reader])
    client = signed_in_client(app, reader)
    page = text(client.get("/reports"))
    assert _listed(client) == set(reports.values())
    assert 'href="/reports/new"' not in page
    assert _visible(client, reports) == set(reports)
    assert client.get(f"/reports/{reports['b_scoped']}/download").status_code == 200
    failed = text(client.get(f"/reports/{reports['a_unscoped']}"))
    assert "data-report-error" in failed and "/retry" not in failed
    before = counts()
    assert client.get("/reports/new").status_code == 403
    assert client.post(f"/reports/{reports['a_unscoped']}/retry").status_code in (400, 403)
    assert counts() == before
