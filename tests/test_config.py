"""Settings from the environment; production refuses default secrets."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, check_production_secrets, load_settings

REAL = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "PORTAL_ENCRYPTION_KEY": "e" * 40,
    "AUDIT_HMAC_KEY": "h" * 40,
    "DATABASE_URL": "postgresql://portal@db/portal",
    "REDIS_URL": "redis://redis:6379/0",
}


def test_embedded_defaults():
    settings = load_settings(env={})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SQLALCHEMY_DATABASE_URI"].endswith("instance/portal.db")
    assert settings["REDIS_URL"] == "memory://"
    assert settings["RQ_WORKER_THREAD"] is True


def test_postgres_urls_use_psycopg3():
    settings = load_settings(env={"DATABASE_URL": "postgres://u@h/d"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_production_with_real_secrets_is_accepted():
    check_production_secrets(load_settings(env=REAL))


@pytest.mark.parametrize("name", ["SECRET_KEY", "PORTAL_ENCRYPTION_KEY", "AUDIT_HMAC_KEY"])
@pytest.mark.parametrize("value", [None, "", "short"])
def test_production_refuses_default_or_weak_secrets(name, value):
    env = {k: v for k, v in REAL.items() if k != name}
    if value is not None:
        env[name] = value
    with pytest.raises(ConfigError, match=name):
        check_production_secrets(load_settings(env=env))


@pytest.mark.parametrize(("name", "value"), [("DATABASE_URL", None), ("REDIS_URL", None)])
def test_production_refuses_embedded_services(name, value):
    env = {k: v for k, v in REAL.items() if k != name}
    with pytest.raises(ConfigError):
        check_production_secrets(load_settings(env=env))


def test_create_app_refuses_to_start_in_production_with_defaults(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    for name in ("SECRET_KEY", "PORTAL_ENCRYPTION_KEY", "AUDIT_HMAC_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_bad_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTES"):
        load_settings(env={"SESSION_IDLE_MINUTES": "soon"})
