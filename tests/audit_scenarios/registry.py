"""Model registry scenarios: register a version and change its stage."""

from __future__ import annotations

from portal.services.registry.changes import TRANSITIONS
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import MLModelFactory, WorkspaceFactory


@scenario("registry.new")
def registry_new(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    data = {
        "workspace": str(ws.id),
        "name": "audit-net",
        "version": "1.0.0",
        "framework": "pytorch",
        "task": "classification",
        "artifact_uri": "s3://models/audit-net.pt",
        "metrics": '{"accuracy": 0.91}',
        "parameters": '{"lr": 0.001}',
    }
    ctx.post("/models/new", data)


@scenario("registry.stage")
def registry_stage(ctx: Ctx) -> None:
    ctx.admin()
    model = MLModelFactory(stage="draft")
    assert "staging" in TRANSITIONS["draft"]
    data = {"stage": "staging", "reason": "Ready for review", "expected_stage": "draft"}
    ctx.post(f"/models/{model.id}/stage", data, form=f"/models/{model.id}")


@scenario("registry.stage:promotion")
def registry_stage_promotion(ctx: Ctx) -> None:
    """Promoting to production archives the previous production version: two rows."""
    ctx.admin()
    ws = WorkspaceFactory()
    MLModelFactory(workspace=ws, name="audit-net", version="1.0.0", stage="production")
    model = MLModelFactory(workspace=ws, name="audit-net", version="2.0.0", stage="staging")
    data = {"stage": "production", "reason": "Better", "expected_stage": "staging"}
    ctx.post(f"/models/{model.id}/stage", data, form=f"/models/{model.id}")
