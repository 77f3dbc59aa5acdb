"""/audit: the trail browser, one event's detail, and chain verification."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from werkzeug.wrappers import Response

from portal.audit.forms import AuditFilterForm
from portal.extensions import db, get_redis
from portal.forms import ConfirmForm
from portal.pagination import parse_page_request
from portal.security.permissions import Permission
from portal.services.audit.integrity import queue_verification
from portal.services.audit.queries import (
    AuditFilters,
    diff,
    events_around,
    get_event_for,
    list_events,
)
from portal.services.reports.requests import enqueue_report, request_audit_export
from portal.web.access import require
from portal.web.helpers import announce_queued, signed_in_user

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTER_ARGS = ("actor", "action", "target_type", "target_id", "workspace", "ip", "date_from",
               "date_to")  # fmt: skip
# Where a target's own page is, by target type (only endpoints that exist are linked).
TARGET_ENDPOINTS = {
    "user": ("users.detail", "user_id"),
    "role": ("roles.detail", "role_id"),
    "workspace": ("workspaces.detail", "workspace_id"),
    "model": ("registry.detail", "model_id"),
    "report": ("reports.detail", "report_id"),
    "plugin": ("plugins.detail", "plugin_id"),
    "audit": ("audit.detail", "event_id"),
}


def _filters(form: AuditFilterForm) -> AuditFilters:
    return AuditFilters(
        actor=form.actor.data or "",
        action=form.action.data or "",
        target_type=form.target_type.data or "",
        target_id=form.target_id.data or "",
        workspace=uuid.UUID(form.workspace.data) if form.workspace.data else None,
        ip=form.ip.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.get("")
@require(Permission.AUDIT_VIEW_OWN)
def index() -> tuple[str, int]:
    """The trail, newest first, filtered by the query string (bookmarkable)."""
    form = AuditFilterForm(request.args)
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    if not form.validate():
        return render_template("audit/index.html", form=form, result=None, args=args), 400
    result = list_events(signed_in_user(), _filters(form), parse_page_request(request.args))
    return render_template("audit/index.html", form=form, result=result, args=args), 200


def target_url(target_type: str | None, target_id: str | None) -> str | None:
    """A link to the target's own page, when there is one."""
    endpoint = TARGET_ENDPOINTS.get(target_type or "")
    if endpoint is None or endpoint[0] not in current_app.view_functions or not target_id:
        return None
    try:
        values: dict[str, Any] = {endpoint[1]: uuid.UUID(target_id)}
        return url_for(endpoint[0], **values)
    except ValueError:
        return None


@bp.get("/<uuid:event_id>")
@require(Permission.AUDIT_VIEW_OWN)
def detail(event_id: uuid.UUID) -> str:
    """Every field of one event, its before/after diff and the events around it."""
    row = get_event_for(signed_in_user(), event_id)
    return render_template(
        "audit/detail.html",
        row=row,
        changes=diff(row.details),
        around=events_around(signed_in_user(), row),
        target_link=target_url(row.target_type, row.target_id),
        actor_link=target_url("user", str(row.actor_id) if row.actor_id else None),
        workspace_link=target_url("workspace", str(row.workspace_id) if row.workspace_id else None),
    )


@bp.post("/export")
@require(Permission.AUDIT_EXPORT)
def export() -> Response:
    """Queue a CSV or JSON Lines export of the current filter (a report of its own kind)."""
    form = AuditFilterForm(request.form)
    if not ConfirmForm().validate_on_submit() or not form.validate():
        abort(400, description="The export's filters are not valid; filter the trail again.")
    values = {k: v for k, v in request.form.items() if k in FILTER_ARGS and v}
    report = request_audit_export(values, request.form.get("format", ""), actor=signed_in_user())
    db.session.commit()
    announce_queued(
        enqueue_report(report), "The export is being built; it appears here when ready."
    )
    return redirect(url_for("reports.detail", report_id=report.id), 303)


@bp.route("/verify", methods=["GET", "POST"])
@require(Permission.AUDIT_VERIFY)
def verify() -> Response | tuple[str, int]:
    """Start a verification of the whole chain (an RQ job) and show its result."""
    form = ConfirmForm()
    if form.validate_on_submit():
        job_id = queue_verification(signed_in_user())
        if not announce_queued(job_id):
            return render_template("audit/verify.html", form=form, job=None), 503
        return redirect(url_for(".verify", job=job_id), 303)
    job = None
    job_id = request.args.get("job", "")
    if job_id:
        if len(job_id) > 64 or not all(c.isalnum() or c == "-" for c in job_id):
            abort(400, description="That verification id is not valid.")
        try:
            job = Job.fetch(job_id, connection=get_redis())
        except NoSuchJobError:
            abort(404)
        except RedisError:
            flash("The job queue is unavailable; try again later.", "danger")
    return render_template("audit/verify.html", form=form, job=job), 200
