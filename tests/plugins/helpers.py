"""Helpers of the /plugins tests: manifests, posting forms, pictures of the registry."""

from __future__ import annotations

import copy
import io
import json
import uuid
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditLog, Plugin, PluginVersion
from tests.helpers.pages import csrf_token_from, post_form

BASE_MANIFEST: dict[str, Any] = {
    "name": "gene-lens",
    "version": "1.0.0",
    "description": "Annotates gene pages with pathway highlights.",
    "author": "OmniScope Labs",
    "entry_point": "gene_lens.app:create_plugin",
    "permissions": ["models.view", "reports.generate"],
    "config_schema": {
        "type": "object",
        "properties": {
            "endpoint": {"type": "string", "default": "https://lens.example.org"},
            "batch_size": {"type": "integer", "minimum": 1, "default": 50},
            "api_token": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "homepage": "https://lens.example.org",
}


def manifest(**changes: Any) -> dict[str, Any]:
    """A valid manifest with ``changes`` applied (a value of ``...`` removes the field)."""
    result = copy.deepcopy(BASE_MANIFEST)
    for key, value in changes.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def paste(client: FlaskClient, path: str, value: Any) -> Any:
    """Submit a manifest (a dict is dumped as JSON, a str sent as is) in the text area."""
    body = value if isinstance(value, str) else json.dumps(value, indent=2)
    return post_form(client, path, {"manifest": body})


def upload(client: FlaskClient, path: str, content: bytes, filename: str = "manifest.json") -> Any:
    """Submit a manifest as an uploaded file."""
    data = {
        "csrf_token": csrf_token_from(client, path),
        "manifest_file": (io.BytesIO(content), filename),
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def registry_state() -> dict[str, Any]:
    """Every plugin and version row and the number of audit rows: what a refusal must keep."""
    plugins = db.session.scalars(sa.select(Plugin).order_by(Plugin.name))
    versions = db.session.scalars(sa.select(PluginVersion).order_by(PluginVersion.version))
    return {
        "plugins": [
            (p.name, p.version, p.is_enabled, p.config, p.manifest, p.requested_permissions)
            for p in plugins
        ],
        "versions": [(v.plugin_id, v.version, v.manifest) for v in versions],
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)),
    }


def plugin_named(name: str) -> Plugin:
    """The plugin called ``name`` (it must exist)."""
    plugin = db.session.scalar(sa.select(Plugin).where(Plugin.name == name))
    assert plugin is not None, f"no plugin {name}"
    return plugin


def random_id() -> uuid.UUID:
    """An id no plugin has."""
    return uuid.uuid4()
