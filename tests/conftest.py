"""Fixtures: a fresh PostgreSQL database built by the migrations, real Redis, the test
client signed in as whoever a test needs (``sign_in_as``, ``signed_in_user`` and one
fixture per built-in role: ``admin``, ``pi``, ``researcher``, ``analyst``, ``viewer``).

Every test runs inside an outer transaction that is rolled back afterwards (views'
commits release savepoints), except tests that use ``live_server``: those commit for
real and the tables are emptied afterwards. Plain helpers (forms, sign-in steps, other
apps, list pages) live in ``tests/helpers``.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import AuditLog, Role, User
from portal.security.permissions import BUILTIN_ROLES
from portal.services.audit.head import publisher
from tests import factories
from tests.helpers.apps import REDIS_URL, IsolatedClient, portal_app, psycopg_url
from tests.helpers.signin import PASSWORD, assert_signed_in, sign_in_with, sign_out

PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _admin_engine() -> sa.Engine:
    return sa.create_engine(psycopg_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


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


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The portal on PostgreSQL and Redis, schema built by ``flask db upgrade``."""
    app = portal_app(
        database_url, REDIS_URL, PORTAL_INSTANCE_DIR=str(tmp_path_factory.mktemp("instance"))
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


@pytest.fixture
def sign_in(app: Flask, client: FlaskClient) -> Callable[..., Any]:
    """Sign the test client in through the real forms (password, then the /mfa code when
    asked). Returns the last response; ``mfa=False`` stops after the password step."""

    def _sign_in(
        email: str, password: str = PASSWORD, path: str = "/login", mfa: bool = True
    ) -> Any:
        return sign_in_with(app, client, email, password, path=path, mfa=mfa)

    return _sign_in


@pytest.fixture
def sign_in_as(client: FlaskClient, sign_in: Callable[..., Any]) -> Callable[[User], User]:
    """Sign the test client in as ``user`` (signing out whoever was signed in), all the
    way to the dashboard. Returns the user."""

    def _as(user: User) -> User:
        if client.get("/login").status_code != 200:  # someone is signed in
            sign_out(client)
        assert_signed_in(sign_in(user.email))
        return user

    return _as


@pytest.fixture
def signed_in_user(
    user_factory: type[factories.UserFactory], sign_in_as: Callable[[User], User]
) -> Callable[..., User]:
    """Make a user holding the built-in ``roles`` (enrolled in MFA when one of them
    requires it, unless ``mfa=`` says otherwise) and sign the test client in as them."""

    def _make(email: str, *roles: str, **values: Any) -> User:
        values.setdefault("mfa", any(BUILTIN_ROLES[role]["requires_mfa"] for role in roles))
        return sign_in_as(user_factory(email=email, roles=list(roles), **values))

    return _make


def _signed_in_role(fixture: str, role: str, name: str) -> Any:
    """A fixture ``fixture``: a user holding ``role`` (``fixture@example.org``, called
    ``name``; MFA enrolled when the role requires it), signed in on the test client."""

    def _user(signed_in_user: Callable[..., User]) -> User:
        return signed_in_user(f"{fixture}@example.org", role, name=name)

    article = "An" if role[0] in "AEIOU" else "A"
    mfa = ", MFA enrolled" if BUILTIN_ROLES[role]["requires_mfa"] else ""
    _user.__doc__ = f"{article} {role} ({fixture}@example.org, {name}{mfa}), signed in."
    return pytest.fixture(name=fixture)(_user)


# One signed-in user of each built-in role (Admin and PI enrolled in MFA, as they require).
admin = _signed_in_role("admin", "Admin", "Ada Admin")
pi = _signed_in_role("pi", "PI", "Pat PI")
researcher = _signed_in_role("researcher", "Researcher", "Rae Researcher")
analyst = _signed_in_role("analyst", "Analyst", "Ana Analyst")
viewer = _signed_in_role("viewer", "Viewer", "Vic Viewer")


@pytest.fixture
def user_factory(app_ctx: None) -> type[factories.UserFactory]:
    return factories.UserFactory


@pytest.fixture
def make_role(app_ctx: None) -> Callable[..., Role]:
    """``factories.custom_role``: a custom role, optionally held by ``holders``."""
    return factories.custom_role


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
