"""The floor of DESIGN.md's performance bar: bare Flask views, no sign-in, no middleware.

They run the same queries (the portal's own query functions) and render the same rows
with the same row templates as the portal's pages, under the same gunicorn settings; a
portal page can only cost more. Serve with ``gunicorn -c gunicorn.conf.py bench.floor_app:app``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, jsonify, render_template_string, request

from portal import templating
from portal.config import load_settings
from portal.extensions import db
from portal.models.base import utcnow
from portal.pagination import parse_page_request
from portal.services.audit.queries import AuditFilters, list_events
from portal.services.identity.user_queries import UserFilters, list_users

ROOT = Path(__file__).resolve().parent.parent

AUDIT_PAGE = """<!doctype html><title>floor</title><table><tbody>
{% for row in result.page.items %}{% include "audit/_row.html" %}{% endfor %}
</tbody></table>"""

USERS_PAGE = """<!doctype html><title>floor</title><table><tbody>
{% for user in result.page.items %}{% include "users/_row.html" %}{% endfor %}
</tbody></table>"""


def create_floor_app() -> Flask:
    """A Flask app with only the database: the cheapest way to serve the same rows."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    settings = load_settings()
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=settings["SQLALCHEMY_DATABASE_URI"],
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"prepare_threshold": None}},
    )
    db.init_app(app)
    templating.init_app(app)
    # The row templates link to detail pages: give url_for endpoints of those names.
    for name, rule, arg in (("users", "/users/", "user_id"), ("audit", "/audit/", "event_id")):
        blueprint = Blueprint(name, __name__)
        blueprint.add_url_rule(f"{rule}<uuid:{arg}>", "detail", lambda **_: "")
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/users")
    def users_list():
        filters = UserFilters(q=request.args.get("q", ""))
        result = list_users(filters, parse_page_request(request.args), sort="email")
        return render_template_string(USERS_PAGE, result=result, now=utcnow())

    @app.get("/audit")
    def audit_list():
        filters = AuditFilters(
            actor=request.args.get("actor", ""), action=request.args.get("action", "")
        )
        result = list_events(ALL_SEEING, filters, parse_page_request(request.args))
        return render_template_string(AUDIT_PAGE, result=result)

    return app


class _AllSeeing:
    """The floor signs nobody in: it reads the whole trail, as an Admin would."""

    def can(self, permission: str) -> bool:
        return True


ALL_SEEING = _AllSeeing()
app = create_floor_app()
