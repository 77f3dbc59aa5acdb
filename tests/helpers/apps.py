"""The tests' settings, their test client class, and portal apps of a test's own."""

from __future__ import annotations

import contextvars
import os
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# A Redis nobody listens on: the portal must cope with it being down.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"

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


def psycopg_url(database_url: str) -> str:
    """A ``postgresql://`` URL as SQLAlchemy's psycopg 3 driver wants it."""
    return database_url.replace("postgresql://", "postgresql+psycopg://", 1)


def portal_app(database_url: str, redis_url: str = "memory://", **settings: Any) -> Flask:
    """The portal with the test settings on this database (a ``postgresql://`` URL is
    given the psycopg driver) and Redis, plus ``settings``."""
    return create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": psycopg_url(database_url),
            "REDIS_URL": redis_url,
            **settings,
        }
    )


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would: no ``g`` or DB session
    is shared with the test; the test's own session sees the results afterwards."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response
