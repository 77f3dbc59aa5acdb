"""Extension singletons and their set-up; the only module that holds shared state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import fakeredis
import redis
from flask import current_app
from flask_caching import Cache
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from rq import Queue
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask import Flask

# Named constraints: Alembic's batch mode on SQLite needs names to alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as FlaskSQLAlchemyModel

    class Model(FlaskSQLAlchemyModel, Base):
        """``db.Model`` as type checkers can see it (a base class must be a name)."""

else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()

REDIS_EXTENSION = "omniscope.redis"
QUEUES_EXTENSION = "omniscope.queues"


def build_redis(url: str, max_connections: int) -> redis.Redis:
    """A Redis client for ``url``; ``memory://`` gives an in-process stand-in."""
    if url.startswith("memory://"):
        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    pool = redis.ConnectionPool.from_url(
        url,
        max_connections=max_connections,
        # A stalled Redis must not stall requests: fail fast and fall back.
        socket_connect_timeout=0.5,
        socket_timeout=1.0,
        health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)


def get_redis() -> redis.Redis:
    """The application's Redis client (shared pool)."""
    return current_app.extensions[REDIS_EXTENSION]


def get_queue(name: str = "default") -> Queue:
    """One of the portal's RQ queues."""
    return current_app.extensions[QUEUES_EXTENSION][name]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite enforces foreign keys (and so cascades) only when asked, per connection."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def init_app(app: Flask) -> None:
    """Bind every extension to ``app``."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No server-side prepared statements: after five runs psycopg would prepare, and
        # PostgreSQL may then choose a generic plan that ignores a LIKE prefix's index.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to open that page."
    login_manager.login_message_category = "info"
    # Sessions are checked against the server-side record on every request instead.
    login_manager.session_protection = None
    csrf.init_app(app)

    client = build_redis(app.config["REDIS_URL"], app.config["REDIS_MAX_CONNECTIONS"])
    app.extensions[REDIS_EXTENSION] = client
    app.extensions[QUEUES_EXTENSION] = {
        name: Queue(name, connection=client) for name in app.config["RQ_QUEUES"]
    }
    cache.init_app(
        app,
        config={
            # Flask-Caching's Redis backend with the cache manager's counters.
            "CACHE_TYPE": "portal.cache.CountingRedisCache",
            "CACHE_REDIS_HOST": client,
            "CACHE_KEY_PREFIX": "omniscope:",
            "CACHE_DEFAULT_TIMEOUT": app.config["CACHE_DEFAULT_TIMEOUT"],
        },
    )
