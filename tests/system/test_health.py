"""/healthz and /readyz."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.extensions import db
from tests.helpers.apps import DEAD_REDIS_URL, portal_app


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_with_everything_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["migrations"] == {"ok": True, "detail": "at head"}


def test_readyz_when_schema_is_behind(client, app_ctx):
    db.session.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    db.session.flush()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"]["ok"] is False


@pytest.mark.committed
def test_readyz_when_redis_is_down(database_url):
    app = portal_app(database_url, DEAD_REDIS_URL)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["redis"] == {"ok": False, "detail": "not reachable"}
    assert checks["database"]["ok"] is True


def _jobs(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.get_json()["checks"]["jobs"]


def test_readyz_reports_missing_workers_without_failing(client):
    status, jobs = _jobs(client)
    assert status == 200  # the web tier serves; only jobs wait
    assert jobs == {
        "ok": False,
        "detail": "no_workers",
        "required": False,
        "state": "no_workers",
        "workers": 0,
        "depth": 0,
        "oldest_queued_seconds": None,
    }


def test_readyz_and_system_report_a_live_worker_and_a_backlog(
    app, client, redis_client, monkeypatch, sign_in_as, admin
):
    from datetime import timedelta

    from rq import Queue

    from portal.jobs.worker import ThreadWorker, build_worker
    from portal.models.base import utcnow
    from portal.services.system import jobs as jobs_module

    worker = build_worker(app, ThreadWorker)
    worker.register_birth()
    worker.heartbeat()
    status, jobs = _jobs(client)
    assert (status, jobs["state"], jobs["workers"], jobs["ok"]) == (200, "ok", 1, True)

    Queue("reports", connection=redis_client).enqueue("builtins.len", "waiting")
    later = utcnow() + jobs_module.BACKLOG_AFTER + timedelta(minutes=1)
    monkeypatch.setattr(jobs_module, "utcnow", lambda: later)
    # The worker is alive at "later" too: its heartbeat as RQ stores it.
    redis_client.hset(worker.key, "last_heartbeat", later.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    status, jobs = _jobs(client)
    assert (status, jobs["state"], jobs["depth"]) == (200, "backlog", 1)
    assert jobs["oldest_queued_seconds"] >= jobs_module.BACKLOG_AFTER.total_seconds()
    sign_in_as(admin)
    page = client.get("/system").get_data(as_text=True)
    assert 'data-job-health="backlog"' in page and "Jobs waiting too long" in page
    worker.register_death()


@pytest.mark.committed
def test_readyz_jobs_are_unavailable_when_redis_is_down(database_url):
    app = portal_app(database_url, DEAD_REDIS_URL)
    checks = app.test_client().get("/readyz").get_json()["checks"]
    assert checks["jobs"]["state"] == "unavailable" and checks["jobs"]["required"] is False
