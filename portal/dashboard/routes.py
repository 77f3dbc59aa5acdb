"""/ : live counts."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.security.permissions import Access, require
from portal.services.dashboard import dashboard_tiles

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require(Access.SIGNED_IN)
def index() -> str:
    """The dashboard."""
    return render_template("dashboard/index.html", tiles=dashboard_tiles(current_user))
