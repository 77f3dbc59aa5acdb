"""Plugin scenarios: register, enable, disable, configure, upgrade and downgrade."""

from __future__ import annotations

import json
from typing import Any

from portal.extensions import db
from portal.models import User
from tests.audit_scenarios.context import Ctx, scenario

# A valid plugin manifest (a copy: the plugin area's own test helpers may change).
PLUGIN_MANIFEST: dict[str, Any] = {
    "name": "audit-lens",
    "version": "1.0.0",
    "description": "Highlights things, for the audit completeness test.",
    "author": "OmniScope Labs",
    "entry_point": "audit_lens.app:create_plugin",
    "permissions": ["models.view"],
    "config_schema": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string", "default": "https://lens.example.org"},
            "batch_size": {"type": "integer", "minimum": 1, "default": 50},
        },
        "additionalProperties": False,
    },
    "homepage": "https://lens.example.org",
}


def _plugin(actor: User, *, enabled: bool = False) -> Any:
    # Imported here: the plugin area landed separately; the other scenarios do not need it.
    from portal.services.plugins.changes import register_plugin

    plugin = register_plugin(json.loads(json.dumps(PLUGIN_MANIFEST)), actor=actor)
    plugin.is_enabled = enabled
    db.session.flush()
    return plugin


@scenario("plugins.new")
def plugins_new(ctx: Ctx) -> None:
    ctx.admin()
    ctx.post("/plugins/new", {"manifest": json.dumps(PLUGIN_MANIFEST, indent=2)})


@scenario("plugins.enable")
def plugins_enable(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    ctx.post(f"/plugins/{plugin.id}/enable", {"version": plugin.version})


@scenario("plugins.disable")
def plugins_disable(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin(), enabled=True)
    ctx.post(f"/plugins/{plugin.id}/disable")


@scenario("plugins.config")
def plugins_config(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    config = {"endpoint": "https://other.example.org", "batch_size": 10}
    ctx.post(f"/plugins/{plugin.id}/config", {"config": json.dumps(config)})


@scenario("plugins.upgrade")
def plugins_upgrade(ctx: Ctx) -> None:
    plugin = _plugin(ctx.admin())
    manifest = {**PLUGIN_MANIFEST, "version": "1.1.0"}
    ctx.post(f"/plugins/{plugin.id}/upgrade", {"manifest": json.dumps(manifest)})


@scenario("plugins.downgrade")
def plugins_downgrade(ctx: Ctx) -> None:
    from portal.services.plugins.changes import upgrade_plugin

    admin = ctx.admin()
    plugin = _plugin(admin)
    upgrade_plugin(plugin, {**PLUGIN_MANIFEST, "version": "1.1.0"}, actor=admin)
    db.session.flush()
    ctx.post(f"/plugins/{plugin.id}/downgrade", {"version": "1.0.0"})
