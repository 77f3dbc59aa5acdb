"""Settings from the environment: embedded defaults, production checks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Values that mark a secret as "not set"; production refuses to start with any of them.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105
DEV_ENCRYPTION_KEY = "dev-only-encryption-key-change-me"
DEV_AUDIT_HMAC_KEY = "dev-only-audit-hmac-key-change-me"
DEFAULT_SECRETS = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "PORTAL_ENCRYPTION_KEY": DEV_ENCRYPTION_KEY,
    "AUDIT_HMAC_KEY": DEV_AUDIT_HMAC_KEY,
}
MIN_SECRET_LENGTH = 32

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """The configuration is unusable (e.g. production with a default secret)."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str) -> str:
    """Point plain ``postgresql://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    env = os.environ if env is None else env
    portal_env = env.get("PORTAL_ENV", "development")
    production = portal_env == "production"
    instance = Path(env.get("PORTAL_INSTANCE_DIR", str(INSTANCE_DIR)))
    secure_cookies = _bool(env, "SESSION_COOKIE_SECURE", production)
    settings: dict[str, Any] = {
        "PORTAL_ENV": portal_env,
        "PORTAL_INSTANCE_DIR": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "PORTAL_ENCRYPTION_KEY": env.get("PORTAL_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY),
        "PORTAL_ENCRYPTION_KEY_OLD": env.get("PORTAL_ENCRYPTION_KEY_OLD", ""),
        # Earlier SECRET_KEYs, only to accept recovery codes stored before they were sealed.
        "SECRET_KEY_OLD": env.get("SECRET_KEY_OLD", ""),
        "AUDIT_HMAC_KEY": env.get("AUDIT_HMAC_KEY", DEV_AUDIT_HMAC_KEY),
        # Earlier audit keys, comma-separated: rows written before a rotation verify with them.
        "AUDIT_HMAC_KEY_OLD": env.get("AUDIT_HMAC_KEY_OLD", ""),
        "SQLALCHEMY_DATABASE_URI": database_url(
            env.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}")
        ),
        # "memory://" selects the in-process Redis stand-in (fakeredis).
        "REDIS_URL": env.get("REDIS_URL", "memory://"),
        "REDIS_MAX_CONNECTIONS": _int(env, "REDIS_MAX_CONNECTIONS", 50),
        # Run an RQ worker thread inside the web process (embedded mode).
        "RQ_WORKER_THREAD": _bool(env, "RQ_WORKER_THREAD", not production),
        "RQ_QUEUES": ["default", "reports"],
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The __Host- prefix needs Secure, path / and no Domain: only over HTTPS.
        "SESSION_COOKIE_NAME": "__Host-omniscope" if secure_cookies else "omniscope_session",
        # The cookie lives 24 h from sign-in (the server-side record decides anyway): no
        # need to re-sign and re-send it on every response.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int(env, "SESSION_ABSOLUTE_HOURS", 24),
        "HSTS_SECONDS": _int(env, "HSTS_SECONDS", 31_536_000),
        # How many reverse-proxy hops to trust for X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 4 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int(env, "MAX_FORM_MEMORY_SIZE", 2 * 1024 * 1024),
        "PASSWORD_MIN_LENGTH": _int(env, "PASSWORD_MIN_LENGTH", 12),
        "PASSWORD_LINK_HOURS": _int(env, "PASSWORD_LINK_HOURS", 24),
        # Brute-force policy: failures per minute, then 429; lockout after consecutive failures.
        "LOGIN_LIMIT_PER_ACCOUNT": _int(env, "LOGIN_LIMIT_PER_ACCOUNT", 5),
        "LOGIN_LIMIT_PER_IP": _int(env, "LOGIN_LIMIT_PER_IP", 20),
        "MFA_LIMIT_PER_USER": _int(env, "MFA_LIMIT_PER_USER", 5),
        "LOCKOUT_THRESHOLD": _int(env, "LOCKOUT_THRESHOLD", 10),
        "LOCKOUT_BASE_SECONDS": _int(env, "LOCKOUT_BASE_SECONDS", 60),
        "LOCKOUT_MAX_SECONDS": _int(env, "LOCKOUT_MAX_SECONDS", 3600),
        # argon2id cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile.
        "ARGON2_TIME_COST": _int(env, "ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int(env, "ARGON2_MEMORY_KIB", 65_536),
        "ARGON2_PARALLELISM": _int(env, "ARGON2_PARALLELISM", 4),
        "WTF_CSRF_TIME_LIMIT": _int(env, "WTF_CSRF_TIME_LIMIT", 3600 * 8),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "CACHE_DEFAULT_TIMEOUT": _int(env, "CACHE_DEFAULT_TIMEOUT", 60),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    }
    if overrides:
        settings.update(overrides)
    if settings["PASSWORD_MIN_LENGTH"] < 8:
        raise ConfigError("PASSWORD_MIN_LENGTH may not be below 8.")
    return settings


def check_production_secrets(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with a default, empty or short secret."""
    if config.get("PORTAL_ENV") != "production":
        return
    problems = []
    for name, default in DEFAULT_SECRETS.items():
        value = config.get(name) or ""
        if value == default or len(value) < MIN_SECRET_LENGTH:
            problems.append(name)
    if problems:
        raise ConfigError(
            "Production needs real secrets of at least "
            f"{MIN_SECRET_LENGTH} characters: set {', '.join(problems)}."
        )
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        raise ConfigError("Production needs DATABASE_URL pointing at PostgreSQL.")
    if str(config.get("REDIS_URL", "")).startswith("memory://"):
        raise ConfigError("Production needs REDIS_URL pointing at Redis.")
