"""/ : live counts, events per day, failed sign-ins and MFA adoption."""

from __future__ import annotations

from flask import Blueprint, render_template
from markupsafe import Markup

from portal.cache import remember
from portal.dashboard.chart import HEIGHT, WIDTH, bars
from portal.security.permissions import Access
from portal.services.dashboard import DASHBOARD_TTL, dashboard_data, dashboard_key
from portal.web.access import require
from portal.web.helpers import signed_in_user

bp = Blueprint("dashboard", __name__)


def _body() -> str:
    data = dashboard_data(signed_in_user())
    return render_template(
        "dashboard/_body.html",
        data=data,
        bars=bars([tuple(point) for point in data["chart"]]) if data["audit"] else [],
        chart_width=WIDTH,
        chart_height=HEIGHT,
    )


@bp.get("/")
@require(Access.SIGNED_IN)
def index() -> str:
    """The dashboard (its body is cached per user, like its data, for half a minute)."""
    body = remember(dashboard_key(signed_in_user(), "html"), _body, DASHBOARD_TTL)
    return render_template("dashboard/index.html", body=Markup(body))  # noqa: S704 (our template)
