"""Redis stops while the portal serves, and comes back; PostgreSQL drops its connections."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.factories import UserFactory
from tests.helpers.apps import DEAD_REDIS_URL, portal_app
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import signed_in_client
from tests.ops.conftest import ROOT, wait_for


@pytest.mark.committed
def test_redis_outage_and_recovery(database_url, own_redis):
    app = portal_app(database_url, f"redis://127.0.0.1:{own_redis.port}/0")
    with app.app_context():
        UserFactory(email="steady@example.org", roles=["Researcher"])
        UserFactory(email="later@example.org", roles=["Researcher"])
        db.session.commit()
    first = signed_in_client(app, "steady@example.org")
    assert first.get("/").status_code == 200

    own_redis.stop()
    # Pages still render: the session check falls back to PostgreSQL.
    assert first.get("/").status_code == 200
    assert first.get("/account/sessions").status_code == 200
    # Signing in still works (rate limits are skipped; the lockout counter is in PostgreSQL).
    second = signed_in_client(app, "later@example.org")
    assert second.get("/").status_code == 200
    ready = first.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["redis"]["ok"] is False
    # Queuing a report fails with a clear message, never a 500.
    token = csrf_token_from(first, "/reports/new?kind=workspace_activity")
    queued = first.post(
        "/reports/new?kind=workspace_activity",
        data={"csrf_token": token, "workspace": "", "date_from": "2026-01-01",
              "date_to": "2026-01-31"},
        follow_redirects=True,
    )  # fmt: skip
    assert queued.status_code == 200
    assert "The job queue is unavailable" in queued.get_data(as_text=True)

    own_redis.start()  # same port, empty: no restart of the portal needed
    assert first.get("/readyz").status_code == 200
    assert first.get("/").status_code == 200
    client = app.extensions["omniscope.redis"]
    assert any(k.startswith(b"omniscope:sessions:") for k in client.keys("*"))
    signed_in_client(app, "later@example.org")


@pytest.mark.committed
def test_dropped_database_connections_are_replaced(app, database_url):
    """PostgreSQL restarted (its backends gone): the pool's pre-ping notices, no error page."""
    served = portal_app(database_url, "memory://")
    client = served.test_client()
    assert client.get("/readyz").status_code == 200
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.commit()
    assert client.get("/readyz").status_code == 200
    assert client.get("/login").status_code == 200


@pytest.mark.committed
def test_postgres_restart_gives_503_while_down_and_recovers(own_postgres):
    """The real server stopped and started again: a 503 page while down, then service."""
    app = portal_app(own_postgres.url, "memory://")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        UserFactory(email="pg-admin@example.org", roles=["Admin"], mfa=True)
        db.session.commit()
    client = signed_in_client(app, "pg-admin@example.org")
    assert client.get("/users").status_code == 200

    own_postgres.stop()
    down = client.get("/users")
    assert down.status_code == 503
    page = down.get_data(as_text=True)
    assert "Traceback" not in page and "psycopg" not in page
    assert "temporarily unavailable" in page.lower()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"]["ok"] is False

    own_postgres.start()  # same port and data: the pool's stale connections are replaced
    assert client.get("/users").status_code == 200
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()


@pytest.mark.committed
def test_rate_limits_fall_back_to_the_database_without_redis(database_url):
    app = portal_app(database_url, DEAD_REDIS_URL)  # no Redis at all
    with app.app_context():
        UserFactory(email="guarded@example.org", roles=["Researcher"])
        db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    wrong = {"csrf_token": token, "email": "guarded@example.org", "password": "wrong password!"}
    if time.time() % 60 > 55:  # keep all six attempts in one one-minute window
        time.sleep(61 - time.time() % 60)
    statuses = [client.post("/login", data=wrong).status_code for _ in range(6)]
    # Five failures per account per minute, counted from the audit trail's failure rows.
    assert statuses[:5] == [400] * 5 and statuses[5] == 429


@pytest.mark.committed
def test_redis_down_at_the_first_request_serves_pages_and_starts_the_worker_later(
    database_url, own_redis, monkeypatch
):
    """Embedded worker thread on, Redis gone before the process's first request: pages are
    served (not 500), and the worker thread starts once Redis answers again."""
    from rq import Queue, Worker

    from portal.jobs import worker as worker_module
    from portal.models.base import utcnow

    app = portal_app(database_url, f"redis://127.0.0.1:{own_redis.port}/0", RQ_WORKER_THREAD=True)
    state = app.extensions[worker_module.WORKER_THREAD_EXTENSION]
    own_redis.stop()
    client = app.test_client()
    for _ in range(3):
        assert client.get("/login").status_code == 200
    assert state["thread"] is None and state["next_try"] is not None

    own_redis.start()
    redis = app.extensions["omniscope.redis"]
    assert client.get("/login").status_code == 200
    assert state["thread"] is None  # not tried again before START_RETRY has passed
    later = utcnow() + worker_module.START_RETRY + timedelta(seconds=1)
    monkeypatch.setattr(worker_module, "utcnow", lambda: later)
    assert client.get("/login").status_code == 200
    thread = state["thread"]
    assert thread is not None and thread.is_alive()
    wait_for(lambda: len(Worker.all(connection=redis)) == 1)
    # Stop it cleanly: asked to stop, it ends after the next job (dequeue blocks until one).
    state["worker"]._stop_requested = True
    Queue("default", connection=redis).enqueue("builtins.len", "stop")
    thread.join(timeout=30)
    assert not thread.is_alive() and Worker.all(connection=redis) == []
