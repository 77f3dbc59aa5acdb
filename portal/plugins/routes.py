"""/plugins: the plugin registry."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.extensions import db
from portal.models import Plugin
from portal.plugins.display import masked_config, review_permissions
from portal.plugins.forms import (
    ConfigForm,
    DowngradeForm,
    EnableForm,
    ManifestForm,
    PluginFilterForm,
)
from portal.security.permissions import Permission
from portal.services.errors import RuleError
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
from portal.services.plugins.errors import DuplicatePluginError
from portal.web.access import require
from portal.web.confirm import Confirmation, confirm
from portal.web.helpers import committing, form_status, load_or_404, refuse_on_form, signed_in_user
from portal.web.lists import list_page
from portal.web.text import pretty_json

bp = Blueprint("plugins", __name__, url_prefix="/plugins")


def _to_detail(plugin: Plugin) -> ResponseReturnValue:
    return redirect(url_for("plugins.detail", plugin_id=plugin.id), 303)


def _flash_change(change: VersionChange, plugin: Plugin, verb: str) -> None:
    flash(f"{plugin.name} was {verb} from {change.before} to {change.after}.", "success")
    for warning in change.warnings:
        flash(warning, "warning")


@bp.get("")
@require(Permission.PLUGINS_VIEW)
def index() -> ResponseReturnValue:
    """Search by name prefix, filter by status, and page through the plugins."""
    form = PluginFilterForm(formdata=request.args)
    return list_page(
        "plugins/index.html",
        form,
        lambda page: list_plugins(form.q.data or "", form.enabled(), page, **form.ordering()),
    )


def _manifest_page(form: ManifestForm, plugin: Plugin | None, status: int, **extra: Any) -> Any:
    return render_template("plugins/manifest.html", form=form, plugin=plugin, **extra), status


def _refuse_manifest(form: ManifestForm, plugin: Plugin | None, exc: RuleError) -> Any:
    status = refuse_on_form(form, exc, form.source())
    existing = exc.existing if isinstance(exc, DuplicatePluginError) else None
    return _manifest_page(form, plugin, status, existing=existing)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def new() -> ResponseReturnValue:
    """Register a plugin from a pasted or uploaded manifest; it starts disabled."""
    form = ManifestForm()
    if not form.validate_on_submit():
        return _manifest_page(form, None, form_status())
    try:
        plugin = register_plugin(form.parsed, actor=signed_in_user())
    except RuleError as exc:
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
    plugin = load_or_404(Plugin, plugin_id)
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
    plugin = load_or_404(Plugin, plugin_id)
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
        return page, form_status()
    with committing() as outcome:
        enable_plugin(plugin, reviewed_version=form.version.data, actor=signed_in_user())
    if outcome.ok:
        flash(f"{plugin.name} is enabled with the permissions you approved.", "success")
    return _to_detail(plugin)


@bp.route("/<uuid:plugin_id>/disable", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def disable(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Disable the plugin, after confirmation."""
    plugin = load_or_404(Plugin, plugin_id)
    step = Confirmation(
        title=f"Disable {plugin.name}",
        message=f"{plugin.name} loses its approved permissions until it is enabled again.",
        action="Disable",
        done=f"{plugin.name} is disabled.",
        back=url_for("plugins.detail", plugin_id=plugin.id),
        danger=True,
    )
    return confirm(step, lambda: disable_plugin(plugin, actor=signed_in_user()))


@bp.route("/<uuid:plugin_id>/config", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def config(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Edit the configuration: a JSON object that must validate against the plugin's schema."""
    plugin = load_or_404(Plugin, plugin_id)
    form = ConfigForm()
    if request.method == "GET":
        form.config.data = pretty_json(plugin.config or {})
    schema_text = pretty_json(config_schema_of(plugin))
    if form.validate_on_submit():
        try:
            changed = configure_plugin(plugin, form.parsed, actor=signed_in_user())
        except RuleError as exc:
            refuse_on_form(form, exc, form.config)
        else:
            db.session.commit()
            saved = f"changed: {', '.join(changed)}" if changed else "nothing changed"
            flash(f"Saved the configuration of {plugin.name} ({saved}).", "success")
            return _to_detail(plugin)
    page = render_template("plugins/config.html", plugin=plugin, form=form, schema_text=schema_text)
    return page, form_status()


@bp.route("/<uuid:plugin_id>/upgrade", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def upgrade(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Install a new manifest with the same name and a higher version."""
    plugin = load_or_404(Plugin, plugin_id)
    form = ManifestForm()
    if not form.validate_on_submit():
        return _manifest_page(form, plugin, form_status())
    try:
        change = upgrade_plugin(plugin, form.parsed, actor=signed_in_user())
    except RuleError as exc:
        return _refuse_manifest(form, plugin, exc)
    db.session.commit()
    _flash_change(change, plugin, "upgraded")
    return _to_detail(plugin)


@bp.route("/<uuid:plugin_id>/downgrade", methods=["GET", "POST"])
@require(Permission.PLUGINS_MANAGE)
def downgrade(plugin_id: uuid.UUID) -> ResponseReturnValue:
    """Go back to an earlier version from the plugin's history."""
    plugin = load_or_404(Plugin, plugin_id)
    earlier = earlier_versions(plugin)
    form = DowngradeForm()
    form.set_versions(earlier)
    if not form.validate_on_submit():
        page = render_template("plugins/downgrade.html", plugin=plugin, form=form, earlier=earlier)
        return page, form_status()
    with committing() as outcome:
        change = downgrade_plugin(plugin, form.version.data, actor=signed_in_user())
    if outcome.ok:
        _flash_change(change, plugin, "downgraded")
    return _to_detail(plugin)
