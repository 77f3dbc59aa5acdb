"""portal.services.registry.changes: service-level rules, row locks, concurrent promotions."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import MODEL_STAGES, MLModel, User
from portal.services.registry.changes import (
    TRANSITIONS,
    change_stage,
    check_artifact_uri,
    check_metrics,
    register_model,
)
from portal.services.registry.errors import DuplicateVersionError, ModelRuleError, StaleStageError
from tests.factories import MLModelFactory, UserFactory, WorkspaceFactory


def test_every_stage_has_a_way_out():
    assert set(TRANSITIONS) == set(MODEL_STAGES)
    assert all(set(targets) <= set(MODEL_STAGES) for targets in TRANSITIONS.values())


@pytest.mark.parametrize(
    "uri",
    ["s3://b/k", "gs://b/k.onnx", "https://host/m.pt", "file:///mnt/m.pt", "models:/fraud/3"],
)
def test_accepted_artifact_uris(uri):
    assert check_artifact_uri(uri) == uri


@pytest.mark.parametrize(
    "uri", ["", "S3://b/k", "s3:/b", "https://", "models:/", "hdfs://x", "s3://b/\tk", "a s3://b"]
)
def test_refused_artifact_uris(uri):
    with pytest.raises(ModelRuleError):
        check_artifact_uri(uri)


def test_metrics_accept_ints_and_floats_only():
    assert check_metrics({"a": 1, "b": -0.5, "c": 10**20}) == {"a": 1, "b": -0.5, "c": 10**20}
    for bad in ({"a": True}, {"a": "1"}, {"a": None}, {"a": float("nan")}, {"a": float("inf")}):
        with pytest.raises(ModelRuleError, match=r"metrics\.a must be a"):
            check_metrics(bad)


def _register(workspace, actor, **overrides):
    values = {
        "name": "m",
        "version": "1",
        "framework": "onnx",
        "task": "ranking",
        "artifact_uri": "gs://b/m.onnx",
        "metrics": {"auc": 0.8},
        "parameters": {},
        **overrides,
    }
    return register_model(workspace, actor=actor, **values)


def test_register_model_refuses_what_the_form_would(app_ctx):
    owner = UserFactory(roles=["PI"])
    workspace = WorkspaceFactory(owner=owner)
    for overrides in (
        {"framework": "caffe"},
        {"task": "clustering"},
        {"name": "a/b"},
        {"version": ""},
        {"artifact_uri": "ftp://x"},
        {"metrics": {"auc": "high"}},
        {"parameters": ["not", "an", "object"]},
    ):
        with pytest.raises(ModelRuleError):
            _register(workspace, owner, **overrides)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MLModel)) == 0
    model = _register(workspace, owner)
    assert model.stage == "draft"
    with pytest.raises(DuplicateVersionError, match="Version 1 of m already exists"):
        _register(workspace, owner)


def test_change_stage_refuses_a_stale_expectation(app_ctx):
    model = MLModelFactory(stage="staging")
    actor = UserFactory(roles=["Admin"])
    with pytest.raises(StaleStageError):
        change_stage(model, to_stage="production", reason="r", expected_stage="draft", actor=actor)
    with pytest.raises(ModelRuleError, match="Give a reason"):
        change_stage(
            model, to_stage="production", reason=" ", expected_stage="staging", actor=actor
        )
    assert model.stage == "staging"


def _committed_versions(app, *stages: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Versions 1..n of "ranker" in one workspace with these stages, committed."""
    with app.app_context():
        owner = UserFactory(roles=["PI"], mfa=True)
        workspace = WorkspaceFactory(owner=owner)
        ids = [
            MLModelFactory(workspace=workspace, name="ranker", version=str(n), stage=stage).id
            for n, stage in enumerate(stages, start=1)
        ]
        MLModelFactory(workspace=workspace, name="tagger", stage="production")
        db.session.commit()
        return owner.id, ids


def _promote(model_id: uuid.UUID, owner_id: uuid.UUID, reason: str = "r") -> None:
    """Move the staging version ``model_id`` to production as its owner (not committed)."""
    change_stage(
        db.session.get(MLModel, model_id),
        to_stage="production",
        reason=reason,
        expected_stage="staging",
        actor=db.session.get(User, owner_id),
    )


def _stages(app, ids: list[uuid.UUID]) -> list[str]:
    with app.app_context():
        return [db.session.get(MLModel, i).stage for i in ids]


@pytest.mark.committed
def test_a_stage_change_locks_every_version_of_the_name(app):
    owner_id, (old_id, new_id) = _committed_versions(app, "production", "staging")
    with app.app_context():
        tagger_id = db.session.scalar(sa.select(MLModel.id).where(MLModel.name == "tagger"))
        _promote(new_id, owner_id)
        with db.engine.connect() as other:
            for locked in (old_id, new_id):
                with pytest.raises(OperationalError, match="could not obtain lock"):
                    other.execute(
                        sa.select(MLModel.id)
                        .where(MLModel.id == locked)
                        .with_for_update(nowait=True)
                    )
                other.rollback()
            # Other names are not held up.
            free = sa.select(MLModel.id).where(MLModel.id == tagger_id).with_for_update(nowait=True)
            assert other.execute(free).scalar() == tagger_id
            other.rollback()
        db.session.rollback()
    assert _stages(app, [old_id, new_id]) == ["production", "staging"]


@pytest.mark.committed
def test_concurrent_promotions_take_turns(app):
    owner_id, ids = _committed_versions(app, "production", "staging", "staging")
    outcome: dict[str, object] = {}

    def promote_third() -> None:
        with app.app_context():
            try:
                _promote(ids[2], owner_id, "second promoter")
                db.session.commit()
                outcome["ok"] = True
            except Exception as exc:  # reported below
                db.session.rollback()
                outcome["error"] = exc

    with app.app_context():
        _promote(ids[1], owner_id, "first promoter")
        second = threading.Thread(target=promote_third)
        second.start()
        second.join(timeout=1)
        assert second.is_alive(), "the second promotion should wait for the first one's locks"
        db.session.commit()
    second.join(timeout=10)
    assert outcome == {"ok": True}
    # The second saw the first's production version and archived it in turn.
    assert _stages(app, ids) == ["archived", "archived", "production"]
