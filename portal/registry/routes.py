"""/models: the ML model registry."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from portal.errors import status_for
from portal.extensions import db
from portal.models import MLModel
from portal.registry.forms import ModelFilterForm, ModelRegisterForm, StageChangeForm
from portal.security.permissions import Permission
from portal.services.errors import RuleError
from portal.services.registry.changes import (
    FRAMEWORKS,
    TASKS,
    TRANSITIONS,
    change_stage,
    may_change_stage,
    register_model,
)
from portal.services.registry.errors import ModelRuleError, StaleStageError
from portal.services.registry.queries import (
    HISTORY_LIMIT,
    compare_metrics,
    contributable_workspaces,
    get_visible_model,
    list_models,
    model_versions,
    stage_history,
    workspace_filter_choices,
)
from portal.services.workspaces.access import get_workspace_for
from portal.services.workspaces.errors import WorkspaceArchivedError
from portal.web.access import require
from portal.web.helpers import form_status, refuse_on_form, signed_in_user
from portal.web.lists import list_page
from portal.web.text import pretty_json

bp = Blueprint("registry", __name__, url_prefix="/models")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"framework_labels": FRAMEWORKS, "task_labels": TASKS}


@bp.get("")
@require(Permission.MODELS_VIEW)
def index() -> ResponseReturnValue:
    """Search, filter and page through the model versions of one's workspaces."""
    user = signed_in_user()
    form = ModelFilterForm(formdata=request.args)
    form.set_workspaces(workspace_filter_choices(user))
    return list_page(
        "registry/index.html",
        form,
        lambda page: list_models(user, form.filters(), page, **form.ordering()),
    )


def _render_form(form: ModelRegisterForm, status: int = 200) -> Any:
    return render_template("registry/form.html", form=form), status


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MODELS_REGISTER)
def new() -> ResponseReturnValue:
    """Register a model version (in draft) in a workspace one owns or edits."""
    user = signed_in_user()
    form = ModelRegisterForm()
    form.set_workspaces(contributable_workspaces(user))
    if not form.is_submitted() and request.args.get("workspace"):
        form.workspace.data = request.args["workspace"]
    if not form.validate_on_submit():
        return _render_form(form, form_status())
    try:
        workspace = get_workspace_for(user, form.workspace_id, "contribute")
    except RuleError as exc:  # unseen, not a contributor, or archived
        return _render_form(form, refuse_on_form(form, exc, form.workspace))
    try:
        model = register_model(workspace, **form.values(), actor=user)
    except RuleError as exc:
        return _render_form(form, refuse_on_form(form, exc))
    db.session.commit()
    flash(f"Registered {model.name} {model.version} in {workspace.name}, in draft.", "success")
    return redirect(url_for("registry.detail", model_id=model.id), 303)


def _render_detail(
    model: MLModel, form: StageChangeForm | None = None, status: int = 200, problem: str = ""
) -> Any:
    form = form or StageChangeForm(formdata=None)
    form.offer(model.stage, TRANSITIONS[model.stage])
    page = render_template(
        "registry/detail.html",
        model=model,
        form=form,
        can_stage=may_change_stage(signed_in_user(), model),
        problem=problem,
        versions=model_versions(model),
        history_limit=HISTORY_LIMIT,
        events=stage_history(model),
        metrics_json=pretty_json(model.metrics),
        parameters_json=pretty_json(model.parameters),
    )
    return page, status


@bp.get("/<uuid:model_id>")
@require(Permission.MODELS_VIEW)
def detail(model_id: uuid.UUID) -> ResponseReturnValue:
    """A version's fields, metrics, parameters, stage history and sibling versions."""
    return _render_detail(get_visible_model(signed_in_user(), model_id))


@bp.post("/<uuid:model_id>/stage")
@require(Permission.MODELS_STAGE)
def stage(model_id: uuid.UUID) -> ResponseReturnValue:
    """Move a version to another stage (with a reason); 409 when the page was stale."""
    user = signed_in_user()
    model = get_visible_model(user, model_id)
    try:
        get_workspace_for(user, model.workspace_id, "contribute")  # 403 unless a contributor
    except WorkspaceArchivedError as exc:  # read-only
        return _render_detail(model, status=409, problem=str(exc))
    form = StageChangeForm()
    if not form.validate_on_submit():
        return _render_detail(model, form, 400)
    try:
        change = change_stage(model, **form.values(), actor=user)
    except ModelRuleError as exc:
        db.session.rollback()
        if isinstance(exc, StaleStageError):
            form.rebase(model.stage)
        return _render_detail(model, form, status_for(exc), str(exc))
    db.session.commit()
    message = f"{model.name} {model.version} moved from {change.from_stage} to {change.to_stage}."
    if change.archived_previous is not None:
        message += f" Version {change.archived_previous.version} was archived."
    flash(message, "success")
    return redirect(url_for("registry.detail", model_id=model.id), 303)


def _model_id_arg(name: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.args.get(name) or "")
    except ValueError as exc:
        raise BadRequest(description=f"'{name}' must be the id of a model version.") from exc


@bp.get("/compare")
@require(Permission.MODELS_VIEW)
def compare() -> ResponseReturnValue:
    """Two versions' metrics side by side, with the difference b - a."""
    a_id, b_id = _model_id_arg("a"), _model_id_arg("b")
    if a_id == b_id:
        raise BadRequest(description="Choose two different versions to compare.")
    user = signed_in_user()
    a, b = get_visible_model(user, a_id), get_visible_model(user, b_id)
    return render_template("registry/compare.html", a=a, b=b, rows=compare_metrics(a, b))
