"""/healthz and /readyz (JSON), /system (the dependencies' state) and /system/cache."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from portal.cache import NAMESPACE_TTLS, get_cache
from portal.forms import ConfirmForm
from portal.security.permissions import Access, Permission
from portal.services.system.cache_admin import flush_cache_namespace
from portal.services.system.health import readiness
from portal.services.system.status import cache_overview, system_overview
from portal.web.access import require
from portal.web.confirm import Confirmation
from portal.web.helpers import committing, form_status

bp = Blueprint("system", __name__)

# What flushing each namespace does, said on its confirmation page.
FLUSH_EFFECTS = {
    "sessions": "Everybody's hot session copies are dropped; nobody is signed out, "
    "because sessions still validate against PostgreSQL (the next requests are a little slower).",
    "ratelimit": "Current failure counts are forgotten: blocked accounts and addresses may "
    "try again at once (the account lockout, kept in PostgreSQL, still applies).",
    "dashboard": "Dashboards are recomputed on their next view.",
}


def _keys(count: int) -> str:
    return f"{count:,} key" if count == 1 else f"{count:,} keys"


@bp.get("/healthz")
@require(Access.PUBLIC)
def healthz() -> Response:
    """The process is alive."""
    return jsonify(status="ok")


@bp.get("/readyz")
@require(Access.PUBLIC)
def readyz() -> tuple[Response, int]:
    """PostgreSQL, Redis and the schema version: 200 when all are ready, else 503; the job
    system is reported too, but does not decide readiness."""
    checks = readiness()
    ok = all(c.ok for c in checks if c.required)
    body = jsonify(
        status="ready" if ok else "unavailable",
        checks={
            c.name: {"ok": c.ok, "detail": c.detail}
            | ({} if c.required else {"required": False})
            | c.figures
            for c in checks
        },
    )
    body.headers["Cache-Control"] = "no-store"
    return body, 200 if ok else 503


@bp.get("/system")
@require(Permission.SYSTEM_HEALTH)
def index() -> ResponseReturnValue:
    """PostgreSQL, Redis, RQ and the portal's settings, with warnings."""
    return render_template("system/index.html", overview=system_overview())


@bp.get("/system/cache")
@require(Permission.SYSTEM_CACHE)
def cache() -> ResponseReturnValue:
    """Each cache namespace's key count, memory estimate and hit rate."""
    health, stats = cache_overview()
    return render_template("system/cache.html", health=health, stats=stats)


@bp.route("/system/cache/<namespace>/flush", methods=["GET", "POST"])
@require(Permission.SYSTEM_CACHE)
def flush(namespace: str) -> ResponseReturnValue:
    """Confirm, then remove every key of one namespace (audited)."""
    if namespace not in NAMESPACE_TTLS:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():  # the page's text counts the keys: only for the page
        return _flush_step(namespace).page(form, form_status())
    with committing() as outcome:
        removed = flush_cache_namespace(namespace)
    if outcome.ok:
        flash(f"Flushed {_keys(removed)} from {namespace}.", "success")
    return redirect(url_for("system.cache"), 303)


def _flush_step(namespace: str) -> Confirmation:
    stats = get_cache().namespace_stats(namespace)
    count = _keys(stats.keys) if stats.available else "an unknown number of keys"
    effect = FLUSH_EFFECTS.get(namespace, "Entries are fetched or computed again on demand.")
    return Confirmation(
        title=f"Flush the {namespace} cache?",
        message=f"This removes {count} from the {namespace} namespace. {effect}",
        action=f"Flush {namespace}",
        back=url_for("system.cache"),
        danger=True,
    )
