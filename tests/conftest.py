"""Fixtures: a fresh PostgreSQL database built by the migrations, real Redis, helpers.

Every test runs inside an outer transaction that is rolled back afterwards (views'
commits release savepoints), except tests that use ``live_server``: those commit for
real and the tables are emptied afterwards.
"""

from __future__ import annotations

import contextvars
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from portal.models import AuditLog, User
from portal.services.audit.head import publisher
from tests import factories

PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = factories.PASSWORD

TEST_SETTINGS: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-" + "x" * 32,
    "PORTAL_ENCRYPTION_KEY": "test-encryption-key-" + "y" * 32,
    "AUDIT_HMAC_KEY": "test-audit-key-" + "z" * 32,
    "RQ_WORKER_THREAD": False,
    # Cheap argon2id in tests: the algorithm is the same, the cost is not under test.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
    "ARGON2_PARALLELISM": 1,
}


def _admin_engine() -> sa.Engine:
    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped at the end."""
    name = f"omniscope_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would: no ``g`` or DB session
    is shared with the test; the test's own session sees the results afterwards."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The portal on PostgreSQL and Redis, schema built by ``flask db upgrade``."""
    app = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url.replace(
                "postgresql://", "postgresql+psycopg://", 1
            ),
            "REDIS_URL": REDIS_URL,
            "PORTAL_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def redis_client(app: Flask) -> redis_lib.Redis:
    """The app's Redis (its own db index), flushed before each test."""
    return app.extensions["omniscope.redis"]


@pytest.fixture(autouse=True)
def _isolation(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Roll every test back (or, for live-server tests, empty the tables afterwards)."""
    # An earlier test's chain head still on its way to Redis would land in this test's.
    assert publisher.flush(timeout=10)
    app.extensions["omniscope.redis"].flushdb()
    # The chain head recorded outside the database belongs to the test that wrote it.
    (Path(app.instance_path) / "audit-head.json").unlink(missing_ok=True)
    if "live_server" in request.fixturenames or request.node.get_closest_marker("committed"):
        yield
        assert publisher.flush(timeout=10)
        _empty_tables(app)
        (Path(app.instance_path) / "audit-head.json").unlink(missing_ok=True)
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=original.registry.scopefunc,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            # Superuser only: skip the append-only trigger to reset the trail between tests.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            tables = "audit_logs, users, workspaces, plugins, reports"
            conn.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
            conn.execute(sa.text("DELETE FROM roles WHERE NOT is_builtin"))
            conn.execute(sa.text("UPDATE audit_head SET seq = 0, hash = repeat('0', 64)"))


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """An application context for service-level tests."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_from(client: FlaskClient, path: str) -> str:
    """Read the CSRF token from the form a page renders, as a browser would."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def next_totp_code(app: Flask, email: str) -> str:
    """A TOTP code for TOTP_SECRET whose time-step the user has not used yet."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
        last = user.mfa_last_timestep if user is not None else None
    totp = pyotp.TOTP(factories.TOTP_SECRET)
    step = totp.timecode(time.time())
    if last is not None and last >= step - 1:
        step = last + 1  # still within the ±1 window when last is the current step
    return totp.generate_otp(step)


@pytest.fixture
def sign_in(app: Flask, client: FlaskClient) -> Callable[..., Any]:
    """Sign in through the real forms (password, then the /mfa code when asked).

    Returns the last response; ``mfa=False`` stops after the password step.
    """

    def _sign_in(
        email: str, password: str = PASSWORD, path: str = "/login", mfa: bool = True
    ) -> Any:
        token = csrf_token_from(client, path)
        response = client.post(
            path, data={"csrf_token": token, "email": email, "password": password}
        )
        if mfa and response.status_code == 303 and response.headers["Location"].startswith("/mfa"):
            token = csrf_token_from(client, "/mfa")
            code = next_totp_code(app, email)
            response = client.post("/mfa", data={"csrf_token": token, "code": code})
        return response

    return _sign_in


@pytest.fixture
def user_factory(app_ctx: None) -> type[factories.UserFactory]:
    return factories.UserFactory


@pytest.fixture
def audit_rows(app_ctx: None) -> Callable[..., list[AuditLog]]:
    """Audit rows matching the given column values, in seq order."""

    def _rows(**filters: Any) -> list[AuditLog]:
        stmt = sa.select(AuditLog).filter_by(**filters).order_by(AuditLog.seq)
        return list(db.session.scalars(stmt))

    return _rows


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
