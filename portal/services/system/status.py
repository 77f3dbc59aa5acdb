"""What /system and /system/cache show (read-only): PostgreSQL, Redis, RQ and the portal.

Each dependency is asked separately: one that is down shows as unavailable, with the
exception's class, while the rest still render.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from portal.cache import NAMESPACE_TTLS, CacheHealth, NamespaceStats, get_cache
from portal.config import DEFAULT_SECRETS
from portal.extensions import db, get_redis
from portal.services.system.health import migration_heads
from portal.services.system.jobs import JobHealth, JobsState, job_health, jobs_state

log = logging.getLogger(__name__)

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"
# A worker whose last heartbeat is older than this is not counted as seen.
POLICY_SETTINGS = (
    ("Session idle timeout (minutes)", "SESSION_IDLE_MINUTES"),
    ("Session lifetime (hours)", "SESSION_ABSOLUTE_HOURS"),
    ("Failed sign-ins per account per minute", "LOGIN_LIMIT_PER_ACCOUNT"),
    ("Failed sign-ins per IP per minute", "LOGIN_LIMIT_PER_IP"),
    ("Failed MFA codes per user per minute", "MFA_LIMIT_PER_USER"),
    ("Lockout after consecutive failures", "LOCKOUT_THRESHOLD"),
    ("First lockout (seconds)", "LOCKOUT_BASE_SECONDS"),
    ("Longest lockout (seconds)", "LOCKOUT_MAX_SECONDS"),
    ("Minimum password length", "PASSWORD_MIN_LENGTH"),
)

# What each warning on /system means for the people using the portal.
MEANINGS = {
    "Database unreachable": "Pages and sign-ins fail with 503.",
    "Schema behind the code": "The database is not at the newest migration: run flask db upgrade.",
    "Redis unreachable": "Sessions fall back to PostgreSQL, rate limits are not enforced per IP "
    "or account (the lockout still is), caches are bypassed, and jobs cannot be queued.",
    "No RQ worker seen in the last minute": "Reports and other jobs wait in their queues "
    "until a worker runs. Pages are still served (readiness does not fail for it).",
    "Jobs waiting too long": "A queued job has waited over five minutes: the workers do not "
    "keep up (or are stuck); add workers or look at the running jobs.",
}


@dataclass(frozen=True)
class DatabaseState:
    """PostgreSQL (or SQLite): version, connections, size and schema revision."""

    ok: bool
    reason: str | None = None
    dialect: str = ""
    version: str | None = None
    connections: int | None = None
    size_bytes: int | None = None
    revisions: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)

    @property
    def at_head(self) -> bool:
        """The schema matches the code's newest migration."""
        return self.ok and set(self.revisions) == set(self.heads)


@dataclass(frozen=True)
class RedisState:
    """Redis as INFO reports it (the embedded stand-in reports less)."""

    health: CacheHealth
    mode: str
    used_memory: str | None = None
    clients: int | None = None
    uptime: str | None = None


@dataclass(frozen=True)
class Notice:
    """A warning on the page: what is wrong and what it means."""

    title: str
    meaning: str


@dataclass(frozen=True)
class Overview:
    """Everything /system shows."""

    database: DatabaseState
    redis: RedisState
    jobs: JobsState
    job_health: JobHealth
    portal: dict[str, Any]
    warnings: list[Notice]


@cache
def portal_version() -> str:
    """The version in pyproject.toml ("unknown" when it cannot be read)."""
    try:
        with PYPROJECT.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def mask_url(url: str) -> str:
    """A connection URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(not shown)"


def database_state() -> DatabaseState:
    """Ask the database for its version, connections, size and schema revision."""
    dialect = db.engine.dialect.name
    heads = sorted(migration_heads())
    try:
        revisions = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        if dialect == "postgresql":
            version = db.session.scalar(text("SHOW server_version"))
            connections = db.session.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            )
            size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            version = "SQLite " + str(db.session.scalar(text("SELECT sqlite_version()")))
            connections = None
            pages = db.session.scalar(text("PRAGMA page_count")) or 0
            size = pages * (db.session.scalar(text("PRAGMA page_size")) or 0)
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("system page: database unavailable", exc_info=True)
        return DatabaseState(False, type(exc).__name__, dialect, heads=heads)
    return DatabaseState(True, None, dialect, version, connections, size, revisions, heads)


def _uptime(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days} d {hours} h {rest // 60} min"


def redis_mode() -> str:
    """ "embedded" (the in-process stand-in) or "real"."""
    return "embedded" if current_app.config["REDIS_URL"].startswith("memory://") else "real"


def redis_state() -> RedisState:
    """PING latency and INFO's memory, clients and uptime."""
    health = get_cache().health()
    if not health.ok:
        return RedisState(health, redis_mode())
    try:
        info = get_redis().info()
    except RedisError:  # the embedded stand-in has no INFO
        return RedisState(health, redis_mode())
    uptime = info.get("uptime_in_seconds")
    return RedisState(
        health,
        redis_mode(),
        info.get("used_memory_human"),
        info.get("connected_clients"),
        _uptime(int(uptime)) if uptime is not None else None,
    )


def portal_state() -> dict[str, Any]:
    """Version, mode and policy values; secrets only as "set" or "default (development)"."""
    cfg = current_app.config
    return {
        "version": portal_version(),
        "env": cfg["PORTAL_ENV"],
        "dialect": db.engine.dialect.name,
        "database_url": mask_url(cfg["SQLALCHEMY_DATABASE_URI"]),
        "redis_mode": redis_mode(),
        "redis_url": mask_url(cfg["REDIS_URL"]),
        "worker_thread": bool(cfg["RQ_WORKER_THREAD"]),
        "secrets": {
            name: "default (development)" if cfg.get(name) in (None, "", default) else "set"
            for name, default in DEFAULT_SECRETS.items()
        },
        "policy": [(label, cfg[name]) for label, name in POLICY_SETTINGS],
    }


def warnings_for(
    database: DatabaseState, redis: RedisState, jobs: JobsState, health: JobHealth
) -> list[Notice]:
    """The problems worth an administrator's attention, each with what it means."""
    found = (
        ("Database unreachable", not database.ok),
        ("Schema behind the code", database.ok and not database.at_head),
        ("Redis unreachable", not redis.health.ok),
        ("No RQ worker seen in the last minute", health.state == "no_workers"),
        ("Jobs waiting too long", health.state == "backlog"),
    )
    notices = [Notice(title, MEANINGS[title]) for title, present in found if present]
    failed = sum(q.failed for q in jobs.queues)
    if failed:
        notices.append(
            Notice("Failed jobs present", f"{failed} failed job(s) kept in RQ's failed registry.")
        )
    return notices


def system_overview() -> Overview:
    """Gather every section of /system."""
    database = database_state()
    redis = redis_state()
    jobs = jobs_state(redis.health.ok)
    health = job_health(jobs)
    warnings = warnings_for(database, redis, jobs, health)
    return Overview(database, redis, jobs, health, portal_state(), warnings)


def cache_overview() -> tuple[CacheHealth, list[NamespaceStats]]:
    """Redis health and each cache namespace's statistics."""
    manager = get_cache()
    health = manager.health()
    if not health.ok:
        return health, [
            NamespaceStats(ns, ttl, 0, None, 0, 0, False) for ns, ttl in NAMESPACE_TTLS.items()
        ]
    return health, [manager.namespace_stats(ns) for ns in NAMESPACE_TTLS]
