"""The migrations build exactly the models' schema, on PostgreSQL and on SQLite."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.helpers.apps import portal_app

TABLES = {
    "users", "recovery_codes", "roles", "user_roles", "user_sessions", "workspaces",
    "workspace_members", "ml_models", "reports", "plugins", "audit_logs", "audit_head",
    "password_tokens", "plugin_versions",
    "alembic_version",
}  # fmt: skip


def _diff(connection: sa.Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(name)); PostgreSQL compares them.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        return compare_metadata(context, db.metadata)


def test_postgres_schema_matches_models(app):
    with app.app_context(), db.engine.connect() as connection:
        assert set(sa.inspect(connection).get_table_names()) == TABLES
        assert _diff(connection) == []


@pytest.mark.committed
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_sqlite_upgrade_matches_models_and_downgrades(tmp_path):
    app = portal_app(f"sqlite:///{tmp_path / 'portal.db'}", PORTAL_INSTANCE_DIR=str(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) == TABLES
            assert _diff(connection) == []
            roles = connection.execute(sa.text("SELECT name FROM roles ORDER BY name")).scalars()
            assert list(roles) == ["Admin", "Analyst", "PI", "Researcher", "Viewer"]
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) == {"alembic_version"}
        db.engine.dispose()
