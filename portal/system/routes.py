"""/healthz (liveness) and /readyz (readiness) as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from portal.security.permissions import Access, require
from portal.services.health import readiness

bp = Blueprint("system", __name__)


@bp.get("/healthz")
@require(Access.PUBLIC)
def healthz() -> Response:
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
@require(Access.PUBLIC)
def readyz() -> tuple[Response, int]:
    """PostgreSQL, Redis and the schema version: 200 when all are ready, else 503."""
    checks = readiness()
    ok = all(c.ok for c in checks)
    body = jsonify(
        status="ready" if ok else "unavailable",
        checks={c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    )
    body.headers["Cache-Control"] = "no-store"
    return body, 200 if ok else 503
