"""Helpers of the /models tests: reading pages and taking pictures of the registry."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditLog, MLModel
from tests.helpers.pages import csrf_token_from

MODEL_ROW = re.compile(r'data-model-row="([^"]+)"')
NEXT_LINK = re.compile(r'<a class="page-link" rel="next" href="([^"]+)"')
PREV_LINK = re.compile(r'<a class="page-link" rel="prev" href="([^"]+)"')
ERROR_DETAIL = re.compile(r"<p data-error-detail>([^<]*)</p>")
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


def link(pattern: re.Pattern[str], response: Any) -> str | None:
    """The (unescaped) href that ``pattern`` finds on the page, if any."""
    match = pattern.search(response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def error_detail(response: Any) -> str:
    """The explanation a 400 page gives."""
    match = ERROR_DETAIL.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return html.unescape(match.group(1))


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


def audit_count() -> int:
    """How many audit rows exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


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
