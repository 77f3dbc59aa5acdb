"""Error pages: the layout, a request id, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
)
from werkzeug.wrappers import Response

from portal.extensions import db, login_manager
from portal.pagination import InvalidPageRequest
from portal.request_meta import current_request_meta
from portal.services.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    RuleError,
    StaleEditError,
)

log = logging.getLogger(__name__)

PAGES = {400, 403, 404, 405, 409, 410, 413, 429, 500, 503}


# What a refusal that no view handled becomes, by its kind (the first that matches).
RULE_PAGES: tuple[tuple[type[RuleError], type[HTTPException]], ...] = (
    (NotFoundError, NotFound),
    (NotAllowedError, Forbidden),
    (ConflictError, Conflict),
    (StaleEditError, Conflict),
    (RuleError, BadRequest),
)


def http_error_for(error: RuleError) -> HTTPException:
    """The HTTP error a domain refusal stands for, carrying its message."""
    page = next(http for kind, http in RULE_PAGES if isinstance(error, kind))
    return page(description=str(error))


def status_for(error: RuleError) -> int:
    """The status code of a page that shows ``error`` on its form (404, 403, 409 or 400)."""
    return http_error_for(error).code or 400


def _render(error: HTTPException, template: str | None = None) -> tuple[str, int, dict]:
    code = error.code or 500
    if code >= 500:
        # The database may be what failed: render the page without the user, whose
        # attributes the rollback has expired (reading one would query it again).
        g._login_user = login_manager.anonymous_user()
    meta = current_request_meta()
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if code == 429 and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    name = template or f"errors/{code if code in PAGES else 'generic'}.html"
    body = render_template(
        name,
        error=error,
        code=code,
        request_id=meta.request_id if meta else None,
        retry_after=retry_after,
        default_description=type(error).description,
    )
    return body, code, headers


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error in the layout; turn crashes into 500/503 pages."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int, dict]:
        return _render(error, "errors/csrf.html")

    @app.errorhandler(RuleError)
    def _rule_error(error: RuleError) -> tuple[str, int, dict]:
        # A refusal no view showed on a form: nothing of this request is kept.
        db.session.rollback()
        return _render(http_error_for(error))

    @app.errorhandler(InvalidPageRequest)
    def _bad_page_link(error: InvalidPageRequest) -> tuple[str, int, dict]:
        return _render(BadRequest(description=str(error)))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int, dict] | Response:
        if error.code is None:  # a routing redirect, not an error
            return error.get_response()
        return _render(error)

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError) -> tuple[str, int, dict]:
        db.session.rollback()
        log.error("database unavailable: %s", error.__class__.__name__, exc_info=True)
        return _render(ServiceUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int, dict]:
        # If we got here, nothing handled it: roll back so no half-change is committed.
        try:
            db.session.rollback()
        except DBAPIError:
            log.warning("rollback after error failed", exc_info=True)
        log.exception("unhandled error")
        return _render(InternalServerError())
