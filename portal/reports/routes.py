"""/reports: reports and their jobs (request, progress, download, retry)."""

from __future__ import annotations

import uuid
from typing import Any

import click
from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from portal.extensions import db
from portal.forms import ConfirmForm
from portal.pagination import CountedPage, PageRequest
from portal.reports.forms import ReportFilterForm, ReportForm, report_form
from portal.security.permissions import AnyOf, Permission
from portal.services.errors import RuleError
from portal.services.reports.files import FORMATS, read_preview
from portal.services.reports.kinds import (
    ReportKind,
    all_kinds,
    get_kind,
    kind_title,
    kinds_for,
    output_of,
)
from portal.services.reports.lifecycle import fail_stale_reports
from portal.services.reports.requests import (
    enqueue_report,
    get_report_for,
    list_reports,
    record_download,
    request_report,
    retry_report,
)
from portal.web.access import require
from portal.web.helpers import (
    announce_queued,
    committing,
    form_status,
    refuse_on_form,
    signed_in_user,
)
from portal.web.lists import list_page

# Reading reports: whoever generates them, and whoever may see everyone's.
READ_REPORTS = AnyOf(Permission.REPORTS_GENERATE, Permission.REPORTS_VIEW_ALL)

bp = Blueprint("reports", __name__, url_prefix="/reports")
FINISHED = ("succeeded", "failed")


def _fail_stale() -> None:
    """Read-time repair: fail reports whose worker died before showing any report."""
    if fail_stale_reports():
        db.session.commit()


def _to_detail(report_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for("reports.detail", report_id=report_id), 303)


@bp.get("")
@require(READ_REPORTS)
def index() -> ResponseReturnValue:
    """The reports the user may see, newest first, filtered by kind, status and requester."""
    form = ReportFilterForm(formdata=request.args)
    form.set_kinds([(kind.name, kind.title) for kind in all_kinds().values()])

    def reports(page: PageRequest) -> CountedPage:
        _fail_stale()  # once the filters are known to be valid
        return list_reports(signed_in_user(), form.filters(), page)

    return list_page("reports/index.html", form, reports, kind_title=kind_title)


def _kind_or_error(name: str) -> ReportKind:
    kind = get_kind(name)
    if kind is None:
        raise BadRequest(description="There is no such kind of report.")
    if not kind.available(signed_in_user()):
        abort(403)
    return kind


def _render_new(kind: ReportKind, form: ReportForm, status: int = 200) -> Any:
    return render_template("reports/new.html", kind=kind, form=form), status


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.REPORTS_GENERATE)
def new() -> ResponseReturnValue:
    """Choose a kind, then its parameters; the report is queued and its page shown."""
    if "kind" not in request.args:
        if request.method == "POST":
            raise BadRequest(description="Choose a kind of report first.")
        return render_template("reports/choose.html", kinds=kinds_for(signed_in_user()))
    kind = _kind_or_error(request.args["kind"])
    user = signed_in_user()
    form = report_form(kind, kind.all_label(user), kind.workspace_choices(user))
    if request.method == "GET":
        form.preselect(request.args.get("workspace"))
    if not form.validate_on_submit():
        return _render_new(kind, form, form_status())
    try:
        report = request_report(kind, form.params(), actor=user)
    except RuleError as exc:
        return _render_new(kind, form, refuse_on_form(form, exc))
    db.session.commit()
    announce_queued(enqueue_report(report), f"{kind.title} requested: it is being built.")
    return _to_detail(report.id)


@bp.get("/<uuid:report_id>")
@require(READ_REPORTS)
def detail(report_id: uuid.UUID) -> ResponseReturnValue:
    """A report's status and progress, its error and Retry, or its preview and download."""
    _fail_stale()
    report = get_report_for(signed_in_user(), report_id)
    fmt = output_of(report.kind)
    preview = read_preview(report.id, fmt=fmt) if report.status == "succeeded" else None
    return render_template(
        "reports/detail.html",
        report=report,
        title=kind_title(report.kind),
        preview=preview,
        finished=report.status in FINISHED,
        retry_form=ConfirmForm(),
    )


@bp.get("/<uuid:report_id>/status")
@require(READ_REPORTS)
def status(report_id: uuid.UUID) -> ResponseReturnValue:
    """The report's status as JSON, polled by the report page."""
    _fail_stale()
    report = get_report_for(signed_in_user(), report_id)
    response = jsonify(
        id=str(report.id),
        status=report.status,
        progress=report.progress,
        row_count=report.row_count,
        error=report.error,
        finished=report.status in FINISHED,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<uuid:report_id>/download")
@require(READ_REPORTS)
def download(report_id: uuid.UUID) -> ResponseReturnValue:
    """The report's CSV file as an attachment (audited)."""
    report = get_report_for(signed_in_user(), report_id)
    path = record_download(report, actor=signed_in_user())
    db.session.commit()
    suffix, mimetype = FORMATS[output_of(report.kind)]
    name = f"{report.kind}-{report.created_at:%Y%m%d}-{str(report.id)[:8]}{suffix}"
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<uuid:report_id>/retry")
@require(Permission.REPORTS_GENERATE)
def retry(report_id: uuid.UUID) -> ResponseReturnValue:
    """Queue a failed report again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _fail_stale()
    report = get_report_for(signed_in_user(), report_id)
    with committing("warning") as outcome:
        retry_report(report, actor=signed_in_user())
    if outcome.ok:
        announce_queued(enqueue_report(report), f"Retrying: attempt {report.attempts} is queued.")
    return _to_detail(report_id)


@bp.cli.command("fail-stale")
def fail_stale_command() -> None:
    """Fail reports whose worker died or whose job vanished (for cron; pages do it too)."""
    failed = fail_stale_reports()
    db.session.commit()
    click.echo(f"{len(failed)} stale report(s) marked failed.")
