"""Bad input on every form field and URL parameter: a 4xx with a message, nothing changed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from tests.factories import ReportFactory
from tests.helpers.lists import BAD_LINK, BAD_PAGING, BAD_PER_PAGE, refusal
from tests.helpers.pages import NUL_CHARACTER, error_detail, text
from tests.helpers.signin import signed_in_client
from tests.reports.helpers import counts, request_via_form

TODAY = utcnow().date()
GOOD = {"date_from": str(TODAY - timedelta(days=7)), "date_to": str(TODAY)}


@pytest.fixture
def researcher_client(app, cast):
    """A browser signed in as researcher A."""
    db.session.commit()
    return signed_in_client(app, cast.researcher_a)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_from": "2024-02-30"}, "Give the date as YYYY-MM-DD."),
        ({"date_to": "yesterday"}, "Give the date as YYYY-MM-DD."),
        ({"date_from": ""}, "Give a start date."),
        ({"date_to": ""}, "Give an end date."),
        ({"date_from": "2024-03-02", "date_to": "2024-03-01"}, "on or after the start date"),
        ({"date_from": "2024-01-01", "date_to": "2025-01-01"}, "at most 366 days"),
        ({"date_from": "2024-01-01\x00"}, NUL_CHARACTER),
        ({"workspace": "\x00"}, NUL_CHARACTER),
        ({"workspace": str(uuid.uuid4())}, "There is no such workspace"),
        ({"workspace": "not-a-uuid"}, "There is no such workspace"),
        ({"date_to": "9" * 200_000}, "too long"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(researcher_client, fields, message):
    before = counts()
    response = request_via_form(researcher_client, "workspace_activity", **{**GOOD, **fields})
    assert response.status_code == 400
    assert message in text(response)
    assert counts() == before


def test_a_full_leap_year_is_accepted(researcher_client):
    response = request_via_form(
        researcher_client, "workspace_activity", date_from="2024-01-01", date_to="2024-12-31"
    )
    assert response.status_code == 303


def test_a_workspace_one_may_not_see_is_refused(researcher_client, cast):
    before = counts()
    response = request_via_form(
        researcher_client, "workspace_activity", workspace=str(cast.ws_b.id), **GOOD
    )
    assert response.status_code == 400
    assert "There is no such workspace, or you may not report on it." in text(response)
    assert counts() == before


@pytest.mark.parametrize("kind", ["nope", "access_review\x00", "", "x" * 500])
def test_an_unknown_kind_is_refused(researcher_client, kind):
    before = counts()
    response = researcher_client.get("/reports/new", query_string={"kind": kind})
    assert response.status_code == 400
    assert error_detail(response) == "There is no such kind of report."
    post = researcher_client.post("/reports/new", query_string={"kind": kind})
    assert post.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "nope"}, "Kind: No such kind."),
        ({"status": "exploded"}, "Status: No such status."),
        ({"mine": "maybe"}, "Requested by: Choose anyone or me."),
        ({"kind": "access\x00review"}, "Kind: No such kind."),
        ({"after": "forged-cursor"}, BAD_LINK),
        ({"per_page": "many"}, BAD_PER_PAGE),
        *BAD_PAGING,
    ],
)
def test_bad_list_arguments_are_refused(researcher_client, query, message):
    assert message in refusal(researcher_client, "/reports", query)


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_unknown_and_malformed_report_ids_are_not_found(researcher_client, path):
    assert researcher_client.get(f"/reports/{uuid.uuid4()}{path}").status_code == 404
    assert researcher_client.get(f"/reports/not-a-uuid{path}").status_code == 404


def test_retrying_an_unknown_report_is_not_found(researcher_client):
    token_page = text(researcher_client.get("/reports/new?kind=workspace_activity"))
    token = token_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    before = counts()
    response = researcher_client.post(f"/reports/{uuid.uuid4()}/retry", data={"csrf_token": token})
    assert response.status_code == 404
    assert counts() == before


def test_another_users_report_is_not_found_even_when_failed(researcher_client, cast):
    report = ReportFactory(requested_by=cast.researcher_a2, status="failed")
    db.session.commit()
    for path in ("", "/status", "/download"):
        assert researcher_client.get(f"/reports/{report.id}{path}").status_code == 404
