"""The plugin registry's rules: register, enable, disable, configure, upgrade, downgrade."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import SQLColumnExpression, select

from portal.extensions import db
from portal.models import Plugin, PluginVersion, User
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)
from portal.security.permissions import Permission
from portal.services import audit
from portal.services.editing import flush
from portal.services.plugins.errors import DuplicatePluginError, ManifestError, PluginRuleError
from portal.services.plugins.manifest import (
    config_problems,
    default_config,
    validate_manifest,
    version_key,
)
from portal.tx import lock_for_update

P = Permission
# What each permission lets a plugin do, in words an administrator reviews before enabling.
PERMISSION_DESCRIPTIONS: dict[str, str] = {
    P.USERS_VIEW: "See every account: names, emails, roles and sign-in history.",
    P.USERS_MANAGE: "Create, edit and deactivate accounts, reset MFA, grant and revoke roles.",
    P.ROLES_MANAGE: "Create roles and change the permissions every role grants.",
    P.WORKSPACES_VIEW_ALL: "See every workspace, not only those it was added to.",
    P.WORKSPACES_CREATE: "Create workspaces.",
    P.WORKSPACES_MANAGE: "Change workspaces and their members.",
    P.MODELS_VIEW: "Read the ML model registry.",
    P.MODELS_REGISTER: "Register ML models and new versions of them.",
    P.MODELS_STAGE: "Move models between stages, into production too.",
    P.REPORTS_GENERATE: "Request reports.",
    P.REPORTS_VIEW_ALL: "See and download every report, whoever requested it.",
    P.PLUGINS_VIEW: "See the plugin registry and every plugin's configuration keys.",
    P.PLUGINS_MANAGE: "Register, enable, configure and upgrade plugins, itself included.",
    P.AUDIT_VIEW_ALL: "Read the whole audit trail: who did what, when, from where.",
    P.AUDIT_VIEW_OWN: "Read the audit trail of the workspaces it runs.",
    P.AUDIT_EXPORT: "Export the audit trail as CSV.",
    P.AUDIT_VERIFY: "Verify the audit trail's hash chain.",
    P.SYSTEM_HEALTH: "See the health of every dependency (database, Redis, workers).",
    P.SYSTEM_CACHE: "Inspect and flush the caches.",
}
# Permissions that reach accounts, roles, the plugin registry itself, the audit trail or the
# system: a plugin holding one of them can escalate or hide what it does.
HIGH_RISK = frozenset(
    {P.USERS_MANAGE, P.ROLES_MANAGE, P.PLUGINS_MANAGE}
    | {p for p in Permission if p.startswith(("audit.", "system."))}
)


# The list's orders; each ends with the id so the values are unique together (keyset pages).
SORT_COLUMNS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "name": (Plugin.name, Plugin.id),
    "updated": (Plugin.updated_at, Plugin.id),
}


@dataclass
class VersionChange:
    """What an upgrade or downgrade did, and the warnings to show."""

    before: str
    after: str
    warnings: list[str] = field(default_factory=list)


def list_plugins(
    q: str, enabled: bool | None, page_request: PageRequest, *, sort: str, descending: bool
) -> CountedPage:
    """One keyset page of plugins whose name starts with ``q``, enabled or not."""
    stmt = select(Plugin)
    if q:
        stmt = stmt.where(Plugin.name.startswith(q.lower(), autoescape=True))
    if enabled is not None:
        stmt = stmt.where(Plugin.is_enabled.is_(enabled))
    key = SortKey.named("plugins", sort, SORT_COLUMNS[sort], descending)
    return counted_page(stmt, key, page_request)


def config_schema_of(plugin: Plugin) -> dict[str, Any]:
    """The configuration schema of the installed manifest ({} accepts any object)."""
    schema = (plugin.manifest or {}).get("config_schema")
    return schema if isinstance(schema, dict) else {}


def plugin_config_problems(plugin: Plugin) -> list[str]:
    """Why the plugin's configuration does not validate against its schema (empty when valid)."""
    return config_problems(config_schema_of(plugin), plugin.config)


def version_history(plugin: Plugin) -> list[tuple[PluginVersion, str | None]]:
    """Every manifest the plugin was installed with and who installed it, newest first."""
    stmt = (
        select(PluginVersion, User.email)
        .outerjoin(User, User.id == PluginVersion.installed_by_id)
        .where(PluginVersion.plugin_id == plugin.id)
        .order_by(PluginVersion.installed_at.desc())
    )
    return [(row, email) for row, email in db.session.execute(stmt)]


def earlier_versions(plugin: Plugin) -> list[str]:
    """The versions in the plugin's history lower than the installed one, highest first."""
    current = version_key(plugin.version)
    versions = [row.version for row in _versions(plugin) if version_key(row.version) < current]
    return sorted(versions, key=version_key, reverse=True)


def _versions(plugin: Plugin) -> list[PluginVersion]:
    stmt = select(PluginVersion).where(PluginVersion.plugin_id == plugin.id)
    return list(db.session.scalars(stmt))


def _record(action: str, plugin: Plugin, actor: User, **details: Any) -> None:
    audit.record(action, target=plugin, actor=actor, details=details)


def _checked(manifest: Any) -> dict[str, Any]:
    problems = validate_manifest(manifest)
    if problems:
        raise ManifestError(problems)
    return copy.deepcopy(manifest)


def _add_version(plugin: Plugin, manifest: dict[str, Any], actor: User) -> None:
    version = PluginVersion(
        version=manifest["version"], manifest=manifest, installed_by_id=actor.id
    )
    plugin.versions.append(version)


def _apply(plugin: Plugin, manifest: dict[str, Any]) -> None:
    plugin.version = manifest["version"]
    plugin.description = manifest["description"]
    plugin.author = manifest["author"]
    plugin.manifest = manifest
    plugin.requested_permissions = list(manifest["permissions"])


def register_plugin(manifest: Any, *, actor: User) -> Plugin:
    """Register a plugin from a valid manifest: disabled, config from the schema's defaults."""
    manifest = _checked(manifest)
    existing = db.session.scalar(select(Plugin).where(Plugin.name == manifest["name"]))
    if existing is not None:
        raise DuplicatePluginError(
            f"A plugin named {existing.name} is registered already (version {existing.version}): "
            "upgrade it instead.",
            existing,
        )
    plugin = Plugin(name=manifest["name"], is_enabled=False, installed_by_id=actor.id)
    _apply(plugin, manifest)
    plugin.config = default_config(manifest["config_schema"])
    db.session.add(plugin)
    _add_version(plugin, manifest, actor)
    flush(
        taken=DuplicatePluginError(
            f"A plugin named {manifest['name']} was registered meanwhile: upgrade it instead.", None
        )
    )
    after = {"name": plugin.name, "version": plugin.version, "enabled": False}
    _record(
        audit.Action.PLUGIN_REGISTERED,
        plugin,
        actor,
        after=after,
        permissions=plugin.requested_permissions,
        config_keys=sorted(plugin.config),
    )
    return plugin


def enable_plugin(plugin: Plugin, *, reviewed_version: str, actor: User) -> None:
    """Enable the plugin whose permissions were reviewed at ``reviewed_version``."""
    lock_for_update(plugin)
    if plugin.is_enabled:
        raise PluginRuleError(f"{plugin.name} is already enabled.")
    if plugin.version != reviewed_version:
        raise PluginRuleError(
            f"{plugin.name} changed to version {plugin.version} since you reviewed it: "
            "review its permissions again."
        )
    problems = plugin_config_problems(plugin)
    if problems:
        message = f"{plugin.name} cannot be enabled: fix its configuration first."
        raise PluginRuleError(message, errors=problems)
    plugin.is_enabled = True
    db.session.flush()
    approved = plugin.requested_permissions
    before, after = {"enabled": False}, {"enabled": True}
    _record(
        audit.Action.PLUGIN_ENABLED, plugin, actor, before=before, after=after, approved=approved
    )


def disable_plugin(plugin: Plugin, *, actor: User) -> None:
    """Disable an enabled plugin."""
    lock_for_update(plugin)
    if not plugin.is_enabled:
        raise PluginRuleError(f"{plugin.name} is already disabled.")
    plugin.is_enabled = False
    db.session.flush()
    _record(
        audit.Action.PLUGIN_DISABLED,
        plugin,
        actor,
        before={"enabled": True},
        after={"enabled": False},
    )


def configure_plugin(plugin: Plugin, config: Any, *, actor: User) -> list[str]:
    """Replace the configuration (it must validate); returns the top-level keys that changed."""
    lock_for_update(plugin)
    if not isinstance(config, dict):
        raise PluginRuleError("The configuration must be a JSON object.")
    problems = config_problems(config_schema_of(plugin), config)
    if problems:
        raise PluginRuleError(
            "The configuration does not match the plugin's schema.", errors=problems
        )
    old = plugin.config or {}
    added = sorted(set(config) - set(old))
    removed = sorted(set(old) - set(config))
    changed = sorted(k for k in set(config) & set(old) if config[k] != old[k])
    if not (added or removed or changed):
        return []
    plugin.config = copy.deepcopy(config)
    db.session.flush()
    # Keys only: configuration values may be credentials.
    _record(
        audit.Action.PLUGIN_CONFIGURED, plugin, actor, added=added, removed=removed, changed=changed
    )
    return sorted([*added, *removed, *changed])


def _install(plugin: Plugin, manifest: dict[str, Any], action: str, actor: User) -> VersionChange:
    """Switch to ``manifest``; disable when the config no longer fits or permissions grew."""
    before: dict[str, Any] = {"version": plugin.version, "enabled": plugin.is_enabled}
    old_permissions = set(plugin.requested_permissions or [])
    _apply(plugin, manifest)
    change = VersionChange(before["version"], plugin.version)
    problems = plugin_config_problems(plugin)
    added = sorted(set(plugin.requested_permissions) - old_permissions)
    if problems:
        change.warnings.append(
            f"The configuration does not match version {plugin.version}'s schema "
            f"({'; '.join(problems[:3])}): fix it before the plugin can be enabled."
        )
    if added and plugin.is_enabled:
        change.warnings.append(
            f"Version {plugin.version} asks for more permissions ({', '.join(added)}): "
            "review and approve them by enabling the plugin again."
        )
    if plugin.is_enabled and change.warnings:
        plugin.is_enabled = False
        change.warnings.append(f"{plugin.name} was disabled.")
    db.session.flush()
    _record(
        action,
        plugin,
        actor,
        before=before,
        after={"version": plugin.version, "enabled": plugin.is_enabled},
        permissions_added=added,
        permissions_removed=sorted(old_permissions - set(plugin.requested_permissions)),
        config_valid=not problems,
    )
    return change


def upgrade_plugin(plugin: Plugin, manifest: Any, *, actor: User) -> VersionChange:
    """Install a new manifest with the same name and a higher, never-installed version."""
    manifest = _checked(manifest)
    lock_for_update(plugin)
    if manifest["name"] != plugin.name:
        raise ManifestError(
            [f"name: this manifest is for {manifest['name']!r}, not {plugin.name!r}."]
        )
    version = manifest["version"]
    if any(row.version == version for row in _versions(plugin)):
        raise PluginRuleError(
            f"Version {version} of {plugin.name} was installed before: a version's manifest "
            "never changes. Give the new manifest a higher version, or downgrade to that one."
        )
    if version_key(version) <= version_key(plugin.version):
        raise PluginRuleError(
            f"Version {version} is not higher than the installed {plugin.version}: "
            "use downgrade to go back to an earlier version."
        )
    _add_version(plugin, manifest, actor)
    return _install(plugin, manifest, audit.Action.PLUGIN_UPGRADED, actor)


def downgrade_plugin(plugin: Plugin, version: str, *, actor: User) -> VersionChange:
    """Restore the manifest of an earlier version from the plugin's history."""
    lock_for_update(plugin)
    row = next((r for r in _versions(plugin) if r.version == version), None)
    if row is None:
        raise PluginRuleError(f"Version {version} is not in the history of {plugin.name}.")
    if version_key(version) >= version_key(plugin.version):
        raise PluginRuleError(
            f"Version {version} is not lower than the installed {plugin.version}: "
            "a downgrade goes back to an earlier version."
        )
    problems = validate_manifest(row.manifest)
    if problems:
        raise PluginRuleError(
            f"The manifest of version {version} no longer passes validation.", errors=problems
        )
    return _install(plugin, copy.deepcopy(row.manifest), audit.Action.PLUGIN_DOWNGRADED, actor)
