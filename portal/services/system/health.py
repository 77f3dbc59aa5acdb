"""Readiness checks of the portal's dependencies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.cache import get_cache
from portal.extensions import db
from portal.services.system.jobs import job_health, jobs_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One dependency's state; a check that is not ``required`` never fails readiness."""

    name: str
    ok: bool
    detail: str
    required: bool = True
    figures: dict[str, Any] = field(default_factory=dict)


@cache
def _script_heads(directory: str) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migration_heads() -> frozenset[str]:
    """The newest revision(s) in ``migrations/``."""
    return _script_heads(current_app.extensions["migrate"].directory)


def check_database() -> list[Check]:
    """PostgreSQL (or SQLite) answers, and its schema is at the migrations' head."""
    try:
        db.session.execute(text("SELECT 1"))
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("readiness: database check failed", exc_info=True)
        return [
            Check("database", False, type(exc).__name__),
            Check("migrations", False, "unknown"),
        ]
    heads = migration_heads()
    at_head = current == set(heads)
    detail = "at head" if at_head else f"database at {sorted(current)}, code at {sorted(heads)}"
    return [Check("database", True, "ok"), Check("migrations", at_head, detail)]


def check_redis() -> Check:
    """Redis answers a PING."""
    ok = get_cache().ping()
    return Check("redis", ok, "ok" if ok else "not reachable")


def check_jobs(redis_ok: bool) -> Check:
    """The job system's verdict (workers, depth, oldest queued job); never required."""
    health = job_health(jobs_state(redis_ok))
    figures = {
        "state": health.state,
        "workers": health.workers,
        "depth": health.depth,
        "oldest_queued_seconds": health.oldest_queued_seconds,
    }
    return Check("jobs", health.ok, health.state, required=False, figures=figures)


def readiness() -> list[Check]:
    """Every readiness check."""
    redis = check_redis()
    return [*check_database(), redis, check_jobs(redis.ok)]
