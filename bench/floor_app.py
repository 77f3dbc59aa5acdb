"""The floor of DESIGN.md's performance bar: bare Flask views, no sign-in, no middleware.

They run the same queries (the portal's own query functions) and render the same rows
with the same row templates as the portal's pages, under the same gunicorn settings; a
portal page can only cost more. Serve with ``gunicorn -c gunicorn.conf.py bench.floor_app:app``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, jsonify, render_template_string, request

from portal.config import load_settings
from portal.extensions import db
from portal.models.base import utcnow
from portal.pagination import parse_page_request
from portal.services.user_queries import UserFilters, list_users

ROOT = Path(__file__).resolve().parent.parent

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
    # The row template links to the user page: give url_for an endpoint of that name.
    users = Blueprint("users", __name__)
    users.add_url_rule("/users/<uuid:user_id>", "detail", lambda user_id: "")
    app.register_blueprint(users)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/users")
    def users_list():
        filters = UserFilters(q=request.args.get("q", ""))
        result = list_users(filters, parse_page_request(request.args), sort="email")
        return render_template_string(USERS_PAGE, result=result, now=utcnow())

    return app


app = create_floor_app()
