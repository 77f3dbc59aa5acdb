"""Per-request facts (request id, client IP, user agent) that services record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Flask, g, has_request_context, request

MAX_USER_AGENT = 512


@dataclass(frozen=True)
class RequestMeta:
    request_id: str
    ip: str | None
    user_agent: str | None


def current_request_meta() -> RequestMeta | None:
    """The current request's meta, or None outside a request (CLI, jobs)."""
    if not has_request_context():
        return None
    meta = g.get("request_meta")
    if meta is None:
        meta = RequestMeta(
            request_id=uuid.uuid4().hex,
            # ProxyFix (when TRUSTED_PROXY_HOPS > 0) has already applied X-Forwarded-For.
            ip=(request.remote_addr or "")[:45] or None,
            user_agent=(request.user_agent.string or "").replace("\x00", "")[:MAX_USER_AGENT]
            or None,
        )
        g.request_meta = meta
    return meta


def init_app(app: Flask) -> None:
    """Give every request an id, echoed back in ``X-Request-ID``."""

    @app.before_request
    def _assign_request_meta() -> None:
        current_request_meta()

    @app.after_request
    def _echo_request_id(response):
        meta = g.get("request_meta")
        if meta is not None:
            response.headers["X-Request-ID"] = meta.request_id
        return response
