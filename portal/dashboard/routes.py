"""/ : live counts, events per day, failed sign-ins and MFA adoption."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.dashboard.chart import HEIGHT, WIDTH, bars
from portal.security.permissions import Access, require
from portal.services.dashboard import dashboard_data

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require(Access.SIGNED_IN)
def index() -> str:
    """The dashboard."""
    data = dashboard_data(current_user)
    return render_template(
        "dashboard/index.html",
        data=data,
        bars=bars([tuple(point) for point in data["chart"]]) if data["audit"] else [],
        chart_width=WIDTH,
        chart_height=HEIGHT,
    )
