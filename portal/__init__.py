"""OmniScope Admin Portal: the application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import errors, extensions, navigation, request_meta, templating
from portal.account.routes import bp as account_bp
from portal.audit.routes import bp as audit_bp
from portal.auth import session_loader  # noqa: F401  (registers Flask-Login's user loader)
from portal.auth.routes import bp as auth_bp
from portal.cli import register_cli
from portal.config import check_production_secrets, load_settings
from portal.dashboard.routes import bp as dashboard_bp
from portal.jobs import worker
from portal.plugins.routes import bp as plugins_bp
from portal.registry.routes import bp as registry_bp
from portal.reports.routes import bp as reports_bp
from portal.roles.routes import bp as roles_bp
from portal.security import headers
from portal.system.routes import bp as system_bp
from portal.users.routes import bp as users_bp
from portal.workspaces.routes import bp as workspaces_bp

BLUEPRINTS = (
    auth_bp,
    account_bp,
    dashboard_bp,
    users_bp,
    roles_bp,
    workspaces_bp,
    registry_bp,
    reports_bp,
    plugins_bp,
    audit_bp,
    system_bp,
)

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal application (``config`` overrides the environment's settings)."""
    settings = load_settings(overrides=config)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=settings["PORTAL_INSTANCE_DIR"],
    )
    app.config.from_mapping(settings)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    check_production_secrets(app.config)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    extensions.init_app(app)
    request_meta.init_app(app)
    headers.init_app(app)
    navigation.init_app(app)
    templating.init_app(app)
    register_blueprints(app)
    errors.register_error_handlers(app)
    register_cli(app)
    worker.init_app(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Every area's blueprint (the factory is the only importer of views)."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
