"""The model registry's rules: registering versions and moving them between stages.

Stage transitions (``TRANSITIONS``)::

    draft      → staging, archived
    staging    → production, draft (back for rework), archived
    production → archived
    archived   → staging (re-promotion; the only way back, e.g. to roll back production)

Promoting a version to production archives the workspace's previous production version
of the same name in the same transaction. A rollback is therefore "re-promote an older
version" (archived → staging → production), never an edit of the current one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import MLModel, User, Workspace
from portal.security.permissions import Permission
from portal.services import audit
from portal.services.editing import flush
from portal.services.json_input import json_kind
from portal.services.registry.errors import DuplicateVersionError, ModelRuleError, StaleStageError
from portal.services.workspaces.access import allows

FRAMEWORKS: dict[str, str] = {
    "pytorch": "PyTorch",
    "tensorflow": "TensorFlow",
    "jax": "JAX",
    "sklearn": "scikit-learn",
    "xgboost": "XGBoost",
    "onnx": "ONNX",
    "other": "Other",
}
TASKS: dict[str, str] = {
    "classification": "Classification",
    "regression": "Regression",
    "segmentation": "Segmentation",
    "generation": "Generation",
    "embedding": "Embedding",
    "ranking": "Ranking",
    "other": "Other",
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("staging", "archived"),
    "staging": ("production", "draft", "archived"),
    "production": ("archived",),
    "archived": ("staging",),
}
ARTIFACT_SCHEMES = ("s3://", "gs://", "https://", "file://", "models:/")
MAX_NAME, MAX_VERSION, MAX_URI, MAX_REASON, MAX_METRIC_NAME = 200, 64, 1024, 500, 200
NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._ -]*[A-Za-z0-9._-])?")
VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StageChange:
    """What a transition did: the stages, and the production version it archived (if any)."""

    from_stage: str
    to_stage: str
    archived_previous: MLModel | None = None


def check_name(name: str) -> str:
    """The model name, or ModelRuleError saying what is wrong with it."""
    if not 1 <= len(name) <= MAX_NAME:
        raise ModelRuleError(f"Give a name of 1 to {MAX_NAME} characters.")
    if not NAME_RE.fullmatch(name):
        raise ModelRuleError(
            "Use letters, digits, spaces, dots, dashes and underscores, "
            "starting with a letter or digit."
        )
    return name


def check_version(version: str) -> str:
    """The version label, or ModelRuleError."""
    if not 1 <= len(version) <= MAX_VERSION:
        raise ModelRuleError(f"Give a version of 1 to {MAX_VERSION} characters.")
    if not VERSION_RE.fullmatch(version):
        raise ModelRuleError(
            "Use letters, digits, dots, dashes, underscores and plus signs (such as 1.2.0), "
            "starting with a letter or digit."
        )
    return version


def check_artifact_uri(uri: str) -> str:
    """The artifact URI, or ModelRuleError (known schemes only, no spaces)."""
    schemes = ", ".join(ARTIFACT_SCHEMES[:-1]) + f" or {ARTIFACT_SCHEMES[-1]}"
    if len(uri) > MAX_URI:
        raise ModelRuleError(f"The artifact URI can be at most {MAX_URI} characters.")
    scheme = next((s for s in ARTIFACT_SCHEMES if uri.startswith(s)), None)
    if scheme is None or len(uri) == len(scheme):
        raise ModelRuleError(f"The artifact URI must start with {schemes}, followed by a location.")
    if _CONTROL_OR_SPACE.search(uri):
        raise ModelRuleError("The artifact URI cannot contain spaces or control characters.")
    return uri


def check_metrics(metrics: dict[str, Any], field: str = "metrics") -> dict[str, Any]:
    """Metrics as metric name → finite number, or ModelRuleError naming the bad entry."""
    for name, value in metrics.items():
        if not name.strip() or len(name) > MAX_METRIC_NAME:
            raise ModelRuleError(f"{field}: metric names are 1 to {MAX_METRIC_NAME} characters.")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ModelRuleError(f"{field}.{name} must be a number, not {json_kind(value)}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise ModelRuleError(f"{field}.{name} must be a finite number.")
    return metrics


def check_reason(reason: str) -> str:
    """The stripped reason for a stage change (1 to 500 characters), or ModelRuleError."""
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise ModelRuleError(f"Give a reason of 1 to {MAX_REASON} characters.")
    return reason


def find_version(workspace_id: Any, name: str, version: str) -> MLModel | None:
    """The registered ``version`` of ``name`` in the workspace, if any."""
    return db.session.scalar(
        select(MLModel).where(
            MLModel.workspace_id == workspace_id, MLModel.name == name, MLModel.version == version
        )
    )


def _duplicate(workspace: Workspace, name: str, version: str, existing: MLModel | None) -> str:
    text = f"Version {version} of {name} already exists in {workspace.name}"
    if existing is None:
        return text + "."
    return f"{text} (registered {existing.created_at:%Y-%m-%d}, now {existing.stage})."


def register_model(
    workspace: Workspace,
    *,
    name: str,
    version: str,
    framework: str,
    task: str,
    artifact_uri: str,
    metrics: dict[str, Any],
    parameters: dict[str, Any],
    actor: User,
) -> MLModel:
    """Register a new version (in draft) in ``workspace``; the caller checked access."""
    name, version = check_name(name.strip()), check_version(version.strip())
    if framework not in FRAMEWORKS:
        raise ModelRuleError("Choose a framework from the list.")
    if task not in TASKS:
        raise ModelRuleError("Choose a task from the list.")
    artifact_uri = check_artifact_uri(artifact_uri.strip())
    if not isinstance(parameters, dict):
        raise ModelRuleError("parameters must be a JSON object.")
    check_metrics(metrics)
    existing = find_version(workspace.id, name, version)
    if existing is not None:
        raise DuplicateVersionError(_duplicate(workspace, name, version, existing), field="version")
    model = MLModel(
        workspace_id=workspace.id,
        name=name,
        version=version,
        framework=framework,
        task=task,
        stage="draft",
        metrics=metrics,
        parameters=parameters,
        artifact_uri=artifact_uri,
        created_by_id=actor.id,
    )
    db.session.add(model)
    # Registered by someone else a moment ago?
    flush(taken=DuplicateVersionError(_duplicate(workspace, name, version, None), field="version"))
    after = {key: getattr(model, key) for key in ("name", "version", "framework", "task")}
    audit.record(
        audit.Action.MODEL_REGISTERED,
        target=model,
        actor=actor,
        details={
            "after": {**after, "stage": "draft", "artifact_uri": artifact_uri},
            "metrics": sorted(metrics)[:50],
        },
    )
    return model


def may_change_stage(user: User, model: MLModel) -> bool:
    """Whether ``user`` may move ``model`` between stages (and its workspace is not archived)."""
    workspace = model.workspace
    return (
        user.can(Permission.MODELS_STAGE)
        and not workspace.is_archived
        and allows(user, workspace, "contribute")
    )


def _lock_versions(model: MLModel) -> list[MLModel]:
    """Every version of the model's name in its workspace, rows locked, values re-read."""
    stmt = (
        select(MLModel)
        .where(MLModel.workspace_id == model.workspace_id, MLModel.name == model.name)
        .order_by(MLModel.id)  # one lock order for everyone: no deadlocks between promoters
        .with_for_update(of=MLModel)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


def change_stage(
    model: MLModel, *, to_stage: str, reason: str, expected_stage: str, actor: User
) -> StageChange:
    """Move ``model`` to ``to_stage`` if it is still in ``expected_stage``; the caller checked
    access. Promotion to production archives the previous production version first."""
    reason = check_reason(reason)
    versions = _lock_versions(model)
    if model.stage != expected_stage:
        raise StaleStageError(
            f"Someone moved {model.name} {model.version} from {expected_stage} to {model.stage} "
            "meanwhile. Nothing was changed: check its current stage and try again."
        )
    from_stage = model.stage
    if to_stage not in TRANSITIONS.get(from_stage, ()):
        allowed = " or ".join(TRANSITIONS.get(from_stage, ())) or "nowhere"
        raise ModelRuleError(
            f"A {from_stage} version cannot move to {to_stage}; it can move to {allowed}."
        )
    previous = None
    if to_stage == "production":
        previous = next((v for v in versions if v.stage == "production" and v.id != model.id), None)
    if previous is not None:
        # Archived and flushed first: the partial unique index never sees two productions.
        previous.stage = "archived"
        db.session.flush()
    model.stage = to_stage
    db.session.flush()
    if previous is not None:
        audit.record(
            audit.Action.MODEL_STAGE_CHANGED,
            target=previous,
            actor=actor,
            details={
                "from": "production",
                "to": "archived",
                "reason": f"Replaced in production by version {model.version}: {reason}",
                "replaced_by": str(model.id),
            },
        )
    audit.record(
        audit.Action.MODEL_STAGE_CHANGED,
        target=model,
        actor=actor,
        details={
            "from": from_stage,
            "to": to_stage,
            "reason": reason,
            "archived_previous": str(previous.id) if previous is not None else None,
        },
    )
    return StageChange(from_stage, to_stage, previous)
