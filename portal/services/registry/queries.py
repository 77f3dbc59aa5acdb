"""Read-side queries of the model registry, always scoped to the workspaces a user may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, SQLColumnExpression, func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import AuditLog, MLModel, User, Workspace, WorkspaceMember
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)
from portal.services import audit
from portal.services.registry.errors import ModelNotFoundError
from portal.services.workspaces.access import in_visible_workspaces, manages_all

NOT_FOUND = "There is no such model version, or it is in a workspace you are not a member of."
HISTORY_LIMIT = 200

# Each order ends with the id, so the values are unique together (keyset pagination).
SORT_COLUMNS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "name": (MLModel.name, MLModel.created_at, MLModel.id),
    "created": (MLModel.created_at, MLModel.id),
}


@dataclass(frozen=True)
class ModelFilters:
    """What the list is narrowed to; None or "" means "any"."""

    workspace_id: uuid.UUID | None = None
    stage: str | None = None
    framework: str | None = None
    q: str = ""


@dataclass(frozen=True)
class MetricRow:
    """One metric of a comparison: both values (None when absent) and b - a."""

    name: str
    a: int | float | None
    b: int | float | None

    @property
    def diff(self) -> int | float | None:
        """b - a when both are numbers (rounded to 12 significant digits), else None."""
        if self.a is None or self.b is None:
            return None
        try:
            diff = self.b - self.a
        except OverflowError:  # an integer beyond float range against a float
            return None
        return diff if isinstance(diff, int) else float(f"{diff:.12g}")

    @property
    def diff_text(self) -> str:
        """The difference with its sign, or an em dash."""
        diff = self.diff
        if diff is None:
            return "—"
        return f"{diff:+d}" if isinstance(diff, int) else f"{diff:+.12g}"


def workspace_filter_choices(user: User) -> list[Workspace]:
    """The workspaces whose models ``user`` may see, by name."""
    stmt = select(Workspace).where(in_visible_workspaces(user, Workspace.id))
    return list(db.session.scalars(stmt.order_by(Workspace.name, Workspace.id)))


def contributable_workspaces(user: User) -> list[Workspace]:
    """Active (not archived) workspaces ``user`` may add models to, by name."""
    stmt = select(Workspace).where(Workspace.is_archived.is_(False))
    if not manages_all(user):
        member = select(WorkspaceMember.workspace_id).where(
            WorkspaceMember.user_id == user.id, WorkspaceMember.role.in_(("owner", "editor"))
        )
        stmt = stmt.where(Workspace.id.in_(member))
    return list(db.session.scalars(stmt.order_by(Workspace.name, Workspace.id)))


def get_visible_model(user: User, model_id: uuid.UUID) -> MLModel:
    """The model version if ``user`` may see it; 404 whether it is unknown or out of reach."""
    model = db.session.scalar(
        select(MLModel).where(
            MLModel.id == model_id, in_visible_workspaces(user, MLModel.workspace_id)
        )
    )
    if model is None:
        raise ModelNotFoundError(NOT_FOUND)
    return model


def sort_key(sort: str, descending: bool = False) -> SortKey:
    """The keyset order for ``sort`` (a key of SORT_COLUMNS)."""
    return SortKey.named("models", sort, SORT_COLUMNS[sort], descending)


def filtered_models(user: User, filters: ModelFilters) -> Select:
    """SELECT of the model versions ``user`` may see that match ``filters`` (unordered)."""
    stmt = select(MLModel).where(in_visible_workspaces(user, MLModel.workspace_id))
    if filters.workspace_id is not None:
        stmt = stmt.where(MLModel.workspace_id == filters.workspace_id)
    if filters.stage:
        stmt = stmt.where(MLModel.stage == filters.stage)
    if filters.framework:
        stmt = stmt.where(MLModel.framework == filters.framework)
    if filters.q:
        stmt = stmt.where(func.lower(MLModel.name).startswith(filters.q.lower(), autoescape=True))
    return stmt


def list_models(
    user: User,
    filters: ModelFilters,
    page_request: PageRequest,
    *,
    sort: str = "name",
    descending: bool = False,
) -> CountedPage:
    """One keyset page of matching versions (workspaces loaded) and the capped count."""
    stmt, key = filtered_models(user, filters), sort_key(sort, descending)
    return counted_page(stmt, key, page_request, selectinload(MLModel.workspace))


def model_versions(model: MLModel) -> list[MLModel]:
    """Every version of the model's name in its workspace, newest first."""
    stmt = (
        select(MLModel)
        .where(MLModel.workspace_id == model.workspace_id, MLModel.name == model.name)
        .order_by(MLModel.created_at.desc(), MLModel.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(db.session.scalars(stmt))


def stage_history(model: MLModel) -> list[AuditLog]:
    """The audit rows of the version's registration and stage changes, newest first."""
    stmt = (
        select(AuditLog)
        .where(
            AuditLog.target_type == "model",
            AuditLog.target_id == str(model.id),
            AuditLog.action.in_((audit.Action.MODEL_REGISTERED, audit.Action.MODEL_STAGE_CHANGED)),
        )
        .order_by(AuditLog.seq.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(db.session.scalars(stmt))


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def compare_metrics(a: MLModel, b: MLModel) -> list[MetricRow]:
    """The union of both versions' metrics by name, with their values side by side."""
    names = sorted(set(a.metrics or {}) | set(b.metrics or {}))
    return [
        MetricRow(name, _number((a.metrics or {}).get(name)), _number((b.metrics or {}).get(name)))
        for name in names
    ]
