"""Helpers of the /models tests: reading pages and taking pictures of the registry."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import MLModel
from tests.helpers.pages import csrf_token_from
from tests.helpers.records import audit_count

MODEL_ROW = re.compile(r'data-model-row="([^"]+)"')
PROBLEM = re.compile(r"<div [^>]*data-problem>([^<]*)</div>")

VALID = {
    "name": "fraud-detector",
    "version": "1.0.0",
    "framework": "pytorch",
    "task": "classification",
    "artifact_uri": "s3://models/fraud/1.0.0/model.pt",
    "metrics": '{"accuracy": 0.93, "f1": 0.88}',
    "parameters": '{"lr": 0.001, "layers": [64, 32]}',
}


def text(response: Any) -> str:
    """The response body as text (HTML entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def listed(response: Any) -> list[str]:
    """The ``name@version`` of the rows on a list page, in order."""
    return [html.unescape(row) for row in MODEL_ROW.findall(response.get_data(as_text=True))]


def registry_state() -> list[tuple]:
    """Every model row's identity, stage and content."""
    stmt = sa.select(
        MLModel.id,
        MLModel.workspace_id,
        MLModel.name,
        MLModel.version,
        MLModel.stage,
        MLModel.metrics,
        MLModel.parameters,
        MLModel.artifact_uri,
    ).order_by(MLModel.id)
    return [tuple(row) for row in db.session.execute(stmt)]


def snapshot() -> tuple[list[tuple], int]:
    """The registry and the audit trail's length, to show that nothing changed."""
    return registry_state(), audit_count()


def post_register(client: Any, target: Any, **fields: Any) -> Any:
    """Post the registration form with valid values, overridden by ``fields``."""
    data = {
        "csrf_token": csrf_token_from(client, "/logout"),
        "workspace": str(target.id) if target is not None else "",
        **VALID,
        **fields,
    }
    return client.post("/models/new", data=data)


def post_stage(
    client: Any,
    model: Any,
    to: str,
    *,
    reason: str = "Validated on holdout",
    expected: str | None = None,
    **extra: Any,
) -> Any:
    """Post the stage form of ``model``'s page (shown in ``expected``, default its stage)."""
    data = {
        "csrf_token": csrf_token_from(client, "/logout"),
        "stage": to,
        "reason": reason,
        "expected_stage": expected if expected is not None else model.stage,
        **extra,
    }
    return client.post(f"/models/{model.id}/stage", data=data)
