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
