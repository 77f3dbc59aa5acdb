"""Redis refusing the job: the report is failed with a clear message, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from portal.models.base import utcnow
from portal.services.queueing import QUEUE_UNAVAILABLE
from portal.services.reports.lifecycle import fail_report
from tests.helpers.apps import IsolatedClient
from tests.helpers.pages import csrf_token_from, text
from tests.helpers.signin import signed_in_client
from tests.reports.helpers import audit_actions, reload, request_via_form, requested_id

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down_app(app: Flask) -> Flask:
    """The portal on the same database, with Redis (and so the job queue) unreachable."""
    down = create_app({**app.config, "REDIS_URL": DEAD_REDIS})
    down.test_client_class = IsolatedClient
    return down


def test_a_request_while_redis_is_down_fails_the_report_with_a_message(cast, redis_down_app):
    db.session.commit()
    client = signed_in_client(redis_down_app, cast.researcher_a)
    today = utcnow().date()
    response = request_via_form(
        client,
        "workspace_activity",
        date_from=str(today - timedelta(days=1)),
        date_to=str(today),
    )
    report_id = requested_id(response)
    report = reload(report_id)
    assert (report.status, report.error) == ("failed", QUEUE_UNAVAILABLE)
    assert report.finished_at is not None
    assert audit_actions(report_id) == ["report.requested", "report.failed"]
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200
    assert text(page).count(QUEUE_UNAVAILABLE) == 2  # the flash and the report's error
    assert ">Retry</button>" in text(page)


def test_a_retry_while_redis_is_down_fails_again_with_the_message(cast, redis_down_app, app):
    db.session.commit()
    client = signed_in_client(app, cast.researcher_a)
    today = str(utcnow().date())
    report_id = requested_id(
        request_via_form(client, "workspace_activity", date_from=today, date_to=today)
    )
    fail_report(report_id, "Something went wrong.")
    db.session.commit()
    down = signed_in_client(redis_down_app, cast.researcher_a)
    token = csrf_token_from(down, f"/reports/{report_id}")
    response = down.post(f"/reports/{report_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    report = reload(report_id)
    assert (report.status, report.attempts, report.error) == ("failed", 2, QUEUE_UNAVAILABLE)
    assert QUEUE_UNAVAILABLE in text(down.get(f"/reports/{report_id}"))
