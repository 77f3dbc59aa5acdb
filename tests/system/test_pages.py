"""/system and /system/cache: content, secrets, Redis down, the audited flush, access."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from rq import SimpleWorker, Worker

from portal.cache import NAMESPACE_TTLS
from portal.extensions import QUEUES_EXTENSION, db
from portal.services.system.health import migration_heads
from tests import factories
from tests.helpers.apps import DEAD_REDIS_URL, TEST_SETTINGS, portal_app
from tests.helpers.pages import csrf_token_from, text
from tests.helpers.signin import signed_in_client

DB_PASSWORD = "s3cret-db-pass-do-not-show"


def queues(app):
    return app.extensions[QUEUES_EXTENSION]


def test_system_page_shows_every_dependency(client, admin, app, redis_client):
    page = text(client.get("/system"))
    version = db.session.scalar(sa.text("SHOW server_version"))
    assert f'<dd class="col-sm-9" data-db-version>{version}</dd>' in page
    assert re.search(r"data-db-connections>[1-9]\d*<", page)
    assert re.search(r"data-db-size>[\d.]+ [kMG]B<", page)
    (head,) = migration_heads()
    assert f"data-db-revision>{head}<" in page and "data-migrations>at head<" in page
    assert f"data-redis-version>{redis_client.info('server')['redis_version']}<" in page
    assert re.search(r"data-redis-clients>\d+<", page) and "data-redis-uptime>0 d" in page
    assert "data-portal-version>0.1.0<" in page and "data-portal-env>development<" in page
    assert "data-worker-thread>off<" in page and "data-redis-mode>real<" in page
    assert 'data-queue="default" data-depth="0"' in page
    assert 'data-warning="No RQ worker seen in the last minute"' in page


def test_queue_depths_and_workers(client, admin, app, redis_client):
    reports = queues(app)["reports"]
    reports.enqueue("builtins.print", "one")
    reports.enqueue("builtins.print", "two")
    worker = Worker([reports], connection=redis_client, name="test-worker-1")
    worker.register_birth()
    page = text(client.get("/system"))
    assert 'data-queue="reports" data-depth="2" data-started="0" data-failed="0"' in page
    assert 'data-queue="default" data-depth="0"' in page
    assert 'data-worker="test-worker-1"' in page
    assert "No RQ worker seen" not in page


def test_failed_jobs_are_counted_and_warned_about(client, admin, app, redis_client):
    default = queues(app)["default"]
    default.enqueue("builtins.int", "not a number")
    SimpleWorker([default], connection=redis_client).work(burst=True)
    page = text(client.get("/system"))
    assert 'data-queue="default" data-depth="0" data-started="0" data-failed="1"' in page
    assert 'data-warning="Failed jobs present"' in page


def test_schema_behind_is_warned_about(client, admin, app_ctx):
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    db.session.flush()
    page = text(client.get("/system"))
    assert 'data-warning="Schema behind the code"' in page
    assert "flask db upgrade" in page


def test_secrets_never_shown(client, admin, app, monkeypatch):
    url = f"postgresql+psycopg://portal:{DB_PASSWORD}@db.internal:5432/omniscope"
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", url)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://:{DB_PASSWORD}@cache:6379/0")
    page = text(client.get("/system"))
    for name in ("SECRET_KEY", "PORTAL_ENCRYPTION_KEY", "AUDIT_HMAC_KEY"):
        assert TEST_SETTINGS[name] not in page
        assert f'data-secret="{name}">set<' in page
    assert DB_PASSWORD not in page
    assert "portal:***@db.internal:5432/omniscope" in page


def test_development_secrets_are_named_as_such(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY", "dev-only-audit-hmac-key-change-me")
    page = text(client.get("/system"))
    assert 'data-secret="AUDIT_HMAC_KEY">default (development)<' in page
    assert "dev-only-audit-hmac-key-change-me" not in page


@pytest.mark.committed
def test_system_page_renders_with_redis_down(database_url):
    app = portal_app(database_url, DEAD_REDIS_URL)
    with app.app_context():
        factories.UserFactory(email="down-admin@example.org", roles=["Admin"], mfa=True)
        db.session.commit()
    client = signed_in_client(app, "down-admin@example.org")
    response = client.get("/system")
    assert response.status_code == 200
    page = text(response)
    assert "Redis is down (unavailable: ConnectionError)" in page
    assert 'data-warning="Redis unreachable"' in page and "fall back to PostgreSQL" in page
    assert "data-migrations>at head<" in page
    assert "Unavailable: Redis unreachable" in page  # the RQ section
    cache_page = client.get("/system/cache")
    assert cache_page.status_code == 200
    assert "Redis is down" in text(cache_page)
    assert text(cache_page).count(">unavailable<") == len(NAMESPACE_TTLS)


def seed(redis_client):
    redis_client.set("omniscope:genes:BRCA1", "{}")
    redis_client.set("omniscope:genes:TP53", "{}")
    redis_client.set("omniscope:genes:EGFR", "{}")
    redis_client.set("omniscope:pathways:hsa00010", "{}")
    redis_client.set("omniscope:sessions:abc", "{}")


def test_cache_page_lists_namespaces(client, admin, redis_client):
    seed(redis_client)
    redis_client.hset("omniscope:stats:genes", mapping={"lookups": 4, "misses": 1})
    page = text(client.get("/system/cache"))
    assert 'data-namespace="genes" data-keys="3" data-hits="3" data-misses="1"' in page
    assert 'data-namespace="pathways" data-keys="1"' in page
    assert "data-hit-rate>75.0 %<" in page
    for namespace in (
        "sessions", "genes", "pathways", "papers", "ratelimit", "dashboard", "principal"
    ):  # fmt: skip
        assert f'href="/system/cache/{namespace}/flush"' in page


def test_flush_after_confirmation_is_audited(client, admin, redis_client, audit_rows):
    seed(redis_client)
    confirm = client.get("/system/cache/genes/flush")
    assert confirm.status_code == 200
    assert "Flush the genes cache?" in text(confirm) and "removes 3 keys" in text(confirm)
    assert redis_client.exists("omniscope:genes:BRCA1") == 1  # GET changes nothing
    token = csrf_token_from(client, "/system/cache/genes/flush")
    response = client.post("/system/cache/genes/flush", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/system/cache"
    assert list(redis_client.scan_iter(match="omniscope:genes:*")) == []
    assert redis_client.exists("omniscope:pathways:hsa00010", "omniscope:sessions:abc") == 2
    (row,) = audit_rows(action="cache.flushed")
    assert (row.target_type, row.target_id, row.details) == ("cache", "genes", {"keys": 3})
    assert row.actor_id == admin.id
    assert "Flushed 3 keys from genes." in text(client.get("/system/cache"))


def test_sessions_flush_says_nobody_is_signed_out(client, admin, redis_client):
    page = text(client.get("/system/cache/sessions/flush"))
    assert "sessions still validate against PostgreSQL" in page


def test_flushing_sessions_keeps_people_signed_in(client, admin, redis_client):
    token = csrf_token_from(client, "/system/cache/sessions/flush")
    assert (
        client.post("/system/cache/sessions/flush", data={"csrf_token": token}).status_code == 303
    )
    assert client.get("/system/cache").status_code == 200


def test_flush_without_csrf_is_refused(client, admin, redis_client, audit_rows):
    seed(redis_client)
    assert client.post("/system/cache/genes/flush", data={}).status_code == 400
    assert redis_client.exists("omniscope:genes:BRCA1") == 1
    assert audit_rows(action="cache.flushed") == []


def test_unknown_namespace_is_404(client, admin, redis_client):
    redis_client.set("omniscope:fragment:x", "1")
    assert client.get("/system/cache/fragment/flush").status_code == 404
    token = csrf_token_from(client, "/system/cache/genes/flush")
    assert client.post("/system/cache/*/flush", data={"csrf_token": token}).status_code == 404
    assert redis_client.exists("omniscope:fragment:x") == 1


@pytest.mark.parametrize("role", ["PI", "Researcher", "Viewer"])
def test_non_admins_get_403(client, signed_in_user, redis_client, audit_rows, role):
    seed(redis_client)
    signed_in_user("someone@example.org", role, mfa=True)
    for path in ("/system", "/system/cache", "/system/cache/genes/flush"):
        assert client.get(path).status_code == 403
    token = csrf_token_from(client, "/logout")
    response = client.post("/system/cache/genes/flush", data={"csrf_token": token})
    assert response.status_code == 403
    assert redis_client.exists("omniscope:genes:BRCA1") == 1
    assert audit_rows(action="cache.flushed") == []
    assert 'href="/system"' not in text(client.get("/account"))


def test_anonymous_is_sent_to_sign_in(client):
    for path in ("/system", "/system/cache", "/system/cache/genes/flush"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_links_to_system_for_admins(client, admin):
    assert 'href="/system"' in text(client.get("/system/cache"))


@pytest.mark.committed  # the app's own session: not the one bound to the test's transaction
def test_system_pages_in_embedded_mode(tmp_path):
    app = portal_app(f"sqlite:///{tmp_path / 'portal.db'}", PORTAL_INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade()
        factories.UserFactory(email="embedded@example.org", roles=["Admin"], mfa=True)
        db.session.commit()
    client = signed_in_client(app, "embedded@example.org")
    page = text(client.get("/system"))
    assert "data-redis-mode>embedded (in-process stand-in)<" in page
    assert "data-db-version>SQLite " in page and "data-migrations>at head<" in page
    assert "data-redis-version>not reported<" in page
    assert 'data-warning="Redis unreachable"' not in page
    cache_page = text(client.get("/system/cache"))
    assert 'data-namespace="sessions" data-keys="1"' in cache_page
    assert "not reported" in cache_page  # the stand-in has no MEMORY USAGE
    with app.app_context():
        db.engine.dispose()
