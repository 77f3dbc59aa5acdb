"""/plugins: the plugin registry."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from portal.extensions import db
from portal.forms import ConfirmForm
from portal.models import Plugin, User
from portal.pagination import parse_page_request
from portal.plugins.display import masked_config, pretty_json, review_permissions
from portal.plugins.forms import (
    ConfigForm,
    DowngradeForm,
    EnableForm,
    ManifestForm,
    PluginFilterForm,
)
from portal.security.permissions import Permission, require
from portal.services.plugins.changes import (
    VersionChange,
    config_schema_of,
    configure_plugin,
    disable_plugin,
    downgrade_plugin,
    earlier_versions,
    enable_plugin,
    list_plugins,
    plugin_config_problems,
    register_plugin,
    upgrade_plugin,
    version_history,
)
from portal.services.plugins.errors import DuplicatePluginError, PluginRuleError

bp = Blueprint("plugins", __name__, url_prefix="/plugins")


def _actor() -> User:
    return current_user._get_current_object()


def _status() -> int:
    """400 for a refused submission, 200 for the page itself."""
    return 400 if request.method == "POST" else 200


def _to_detail(plugin: Plugin) -> ResponseReturnValue:
    return redirect(url_for("plugins.detail", plugin_id=plugin.id), 303)


def _flash_refusal(exc: PluginRuleError) -> None:
    details = f" ({'; '.join(exc.errors[:5])})" if exc.errors else ""
    flash(f"{exc}{details}", "danger")


def _flash_change(change: VersionChange, plugin: Plugin, verb: str) -> None:
    flash(f"{plugin.name} was {verb} from {change.before} to {change.after}.", "success")
    for warning in change.warnings:
        flash(warning, "warning")


@bp.get("")
@require(Permission.PLUGINS_VIEW)
def index() -> ResponseReturnValue:
    """Search by name prefix, filter by status, and page through the plugins."""
    form = PluginFilterForm(formdata=request.args)
    if not form.validate():
        raise BadRequest(description=form.first_error())
    page_request = parse_page_request(request.args)
    result = list_plugins(
        form.q.data or "",
        form.enabled(),
        page_request,
        sort=form.sort.data,
        descending=form.order.data == "desc",
    )
    args = form.link_args()
    if "per_page" in request.args:
        args["per_page"] = str(page_request.per_page)
    return render_template("plugins/index.html", form=form, result=result, args=args)


def _manifest_page(form: ManifestForm, plugin: Plugin | None, status: int, **extra: Any) -> Any:
    return render_template("plugins/manifest.html", form=form, plugin=plugin, **extra), status


def _refuse_manifest(form: ManifestForm, plugin: Plugin | None, exc: PluginRuleError) -> Any:
    db.session.rollback()
    form.source().errors.extend(exc.errors or [str(exc)])
    existing = exc.existing if isinstance(exc, DuplicatePluginError) else None
    return _manifest_page(form, plugin, 400, existing=existing)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def new() -> ResponseReturnValue:
    """Register a plugin from a pasted or uploaded manifest; it starts disabled."""
    form = ManifestForm()
    if not form.validate_on_submit():
        return _manifest_page(form, None, _status())
    try:
        plugin = register_plugin(form.parsed, actor=_actor())
    except PluginRuleError as exc:
        return _refuse_manifest(form, None, exc)
    db.session.commit()
    flash(
        f"{plugin.name} {plugin.version} was registered. It is disabled until enabled.", "success"
    )
    return _to_detail(plugin)


@bp.get("/<uuid:plugin_id>")
@require(Permission.PLUGINS_VIEW)
def detail(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """A plugin's manifest, requested permissions in words, state, configuration and history."""
    plugin = db.get_or_404(Plugin, plugin_id)
    schema = config_schema_of(plugin)
    return render_template(
        "plugins/detail.html",
        plugin=plugin,
        review=review_permissions(plugin.requested_permissions),
        history=version_history(plugin),
        config_text=pretty_json(masked_config(plugin.config or {}, schema)),
        schema_text=pretty_json(schema),
        problems=plugin_config_problems(plugin),
    )


@bp.route("/<uuid:plugin_id>/enable", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def enable(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Show the requested permissions for approval, then enable the plugin."""
    plugin = db.get_or_404(Plugin, plugin_id)
    form = EnableForm()
    if request.method == "GET":
        form.version.data = plugin.version
    if not form.validate_on_submit():
        page = render_template(
            "plugins/enable.html",
            plugin=plugin,
            form=form,
            review=review_permissions(plugin.requested_permissions),
            problems=plugin_config_problems(plugin),
        )
        return page, _status()
    try:
        enable_plugin(plugin, reviewed_version=form.version.data, actor=_actor())
    except PluginRuleError as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        db.session.commit()
        flash(f"{plugin.name} is enabled with the permissions you approved.", "success")
    return _to_detail(plugin)


@bp.route("/<uuid:plugin_id>/disable", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def disable(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Disable the plugin, after confirmation."""
    plugin = db.get_or_404(Plugin, plugin_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        page = render_template(
            "_partials/confirm.html",
            title=f"Disable {plugin.name}",
            message=f"{plugin.name} loses its approved permissions until it is enabled again.",
            action_label="Disable",
            action_url=request.path,
            cancel_url=url_for("plugins.detail", plugin_id=plugin.id),
            form=form,
            danger=True,
        )
        return page, _status()
    try:
        disable_plugin(plugin, actor=_actor())
    except PluginRuleError as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        db.session.commit()
        flash(f"{plugin.name} is disabled.", "success")
    return _to_detail(plugin)


@bp.route("/<uuid:plugin_id>/config", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def config(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Edit the configuration: a JSON object that must validate against the plugin's schema."""
    plugin = db.get_or_404(Plugin, plugin_id)
    form = ConfigForm()
    if request.method == "GET":
        form.config.data = pretty_json(plugin.config or {})
    schema_text = pretty_json(config_schema_of(plugin))
    if form.validate_on_submit():
        try:
            changed = configure_plugin(plugin, form.parsed, actor=_actor())
        except PluginRuleError as exc:
            db.session.rollback()
            form.config.errors.extend(exc.errors or [str(exc)])
        else:
            db.session.commit()
            saved = f"changed: {', '.join(changed)}" if changed else "nothing changed"
            flash(f"Saved the configuration of {plugin.name} ({saved}).", "success")
            return _to_detail(plugin)
    page = render_template("plugins/config.html", plugin=plugin, form=form, schema_text=schema_text)
    return page, _status()


@bp.route("/<uuid:plugin_id>/upgrade", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def upgrade(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Install a new manifest with the same name and a higher version."""
    plugin = db.get_or_404(Plugin, plugin_id)
    form = ManifestForm()
    if not form.validate_on_submit():
        return _manifest_page(form, plugin, _status())
    try:
        change = upgrade_plugin(plugin, form.parsed, actor=_actor())
    except PluginRuleError as exc:
        return _refuse_manifest(form, plugin, exc)
    db.session.commit()
    _flash_change(change, plugin, "upgraded")
    return _to_detail(plugin)


@bp.route("/<uuid:plugin_id>/downgrade", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def downgrade(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Go back to an earlier version from the plugin's history."""
    plugin = db.get_or_404(Plugin, plugin_id)
    earlier = earlier_versions(plugin)
    form = DowngradeForm()
    form.set_versions(earlier)
    if not form.validate_on_submit():
        page = render_template("plugins/downgrade.html", plugin=plugin, form=form, earlier=earlier)
        return page, _status()
    try:
        change = downgrade_plugin(plugin, form.version.data, actor=_actor())
    except PluginRuleError as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        db.session.commit()
        _flash_change(change, plugin, "downgraded")
    return _to_detail(plugin)
