"""Upgrade and downgrade: a higher new version or an earlier one from history; history kept."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Plugin, PluginVersion
from tests.helpers.pages import csrf_token_from, field_errors, flashes_after, post_form, text
from tests.plugins.helpers import manifest, paste, registry_state, upload

V2_SCHEMA = {
    "type": "object",
    "properties": {
        "endpoint": {"type": "string"},
        "batch_size": {"type": "integer", "maximum": 10},
    },
}


def _versions(plugin_id):
    stmt = sa.select(PluginVersion.version).where(PluginVersion.plugin_id == plugin_id)
    return sorted(db.session.scalars(stmt))


def _enable(plugin):
    plugin.is_enabled = True
    db.session.flush()


def test_upgrade_installs_a_higher_version_and_keeps_history(client, admin, registered, audit_rows):
    _enable(registered)
    new = manifest(version="1.1.0", description="Now with pathways.")
    response = paste(client, f"/plugins/{registered.id}/upgrade", new)
    page = flashes_after(client, response)
    assert "gene-lens was upgraded from 1.0.0 to 1.1.0." in page
    plugin = db.session.get(Plugin, registered.id)
    assert (plugin.version, plugin.description, plugin.manifest) == (
        "1.1.0",
        "Now with pathways.",
        new,
    )
    assert plugin.is_enabled is True  # same permissions, configuration still valid
    assert _versions(registered.id) == ["1.0.0", "1.1.0"]
    [row] = audit_rows(action="plugin.upgraded", target_id=str(registered.id))
    assert row.details == {
        "before": {"version": "1.0.0", "enabled": True},
        "after": {"version": "1.1.0", "enabled": True},
        "permissions_added": [],
        "permissions_removed": [],
        "config_valid": True,
    }
    history = text(client.get(f"/plugins/{registered.id}"))
    assert history.index('data-history-version="1.1.0"') < history.index(
        'data-history-version="1.0.0"'
    )


def test_an_upgrade_the_configuration_does_not_fit_disables_the_plugin(
    client, admin, registered, audit_rows
):
    _enable(registered)
    response = upload(
        client,
        f"/plugins/{registered.id}/upgrade",
        json.dumps(manifest(version="2.0.0", config_schema=V2_SCHEMA)).encode(),
    )
    page = flashes_after(client, response)
    assert "gene-lens was upgraded from 1.0.0 to 2.0.0." in page
    assert "The configuration does not match version 2.0.0's schema" in page
    assert "batch_size: 50 is greater than the maximum of 10." in page
    assert "gene-lens was disabled." in page
    plugin = db.session.get(Plugin, registered.id)
    assert plugin.is_enabled is False and plugin.config["batch_size"] == 50
    [row] = audit_rows(action="plugin.upgraded", target_id=str(registered.id))
    assert row.details["after"] == {"version": "2.0.0", "enabled": False}
    assert row.details["config_valid"] is False


def test_an_upgrade_asking_for_more_permissions_disables_the_plugin(client, admin, registered):
    _enable(registered)
    new = manifest(version="1.2.0", permissions=["models.view", "users.view"])
    page = flashes_after(client, paste(client, f"/plugins/{registered.id}/upgrade", new))
    assert "Version 1.2.0 asks for more permissions (users.view)" in page
    assert db.session.get(Plugin, registered.id).is_enabled is False


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"version": "1.0.0"},
            "Version 1.0.0 of gene-lens was installed before: a version's manifest never "
            "changes. Give the new manifest a higher version, or downgrade to that one.",
        ),
        (
            {"version": "0.9.0"},
            "Version 0.9.0 is not higher than the installed 1.0.0: use downgrade to go back "
            "to an earlier version.",
        ),
        (
            {"version": "1.0.0-rc.1"},
            "Version 1.0.0-rc.1 is not higher than the installed 1.0.0: use downgrade to go "
            "back to an earlier version.",
        ),
        (
            {"name": "other-lens", "version": "2.0.0"},
            "name: this manifest is for 'other-lens', not 'gene-lens'.",
        ),
        (
            {"version": "2.0.0", "permissions": ["root"]},
            "permissions[0]: 'root' is not a portal permission.",
        ),
    ],
)
def test_refused_upgrades_change_nothing(client, admin, registered, changes, expected):
    before = registry_state()
    response = paste(client, f"/plugins/{registered.id}/upgrade", manifest(**changes))
    assert response.status_code == 400
    assert field_errors(response) == [expected]
    assert registry_state() == before


def test_downgrade_restores_an_earlier_manifest(client, admin, registered, audit_rows):
    flashes_after(
        client,
        paste(
            client,
            f"/plugins/{registered.id}/upgrade",
            manifest(version="1.1.0", description="Newer"),
        ),
    )
    flashes_after(
        client,
        paste(
            client,
            f"/plugins/{registered.id}/upgrade",
            manifest(version="1.2.0", description="Newest"),
        ),
    )
    page = text(client.get(f"/plugins/{registered.id}/downgrade"))
    assert page.index('<option value="1.1.0">') < page.index('<option value="1.0.0">')
    assert '<option value="1.2.0">' not in page

    response = post_form(client, f"/plugins/{registered.id}/downgrade", {"version": "1.0.0"})
    assert "gene-lens was downgraded from 1.2.0 to 1.0.0." in flashes_after(client, response)
    plugin = db.session.get(Plugin, registered.id)
    assert (plugin.version, plugin.manifest) == ("1.0.0", manifest())
    assert _versions(registered.id) == ["1.0.0", "1.1.0", "1.2.0"]
    [row] = audit_rows(action="plugin.downgraded", target_id=str(registered.id))
    assert row.details["before"] == {"version": "1.2.0", "enabled": False}
    assert row.details["after"] == {"version": "1.0.0", "enabled": False}

    # 1.2.0 stays in history: installing it again is refused, as a version never changes.
    again = paste(client, f"/plugins/{registered.id}/upgrade", manifest(version="1.2.0"))
    assert "Version 1.2.0 of gene-lens was installed before" in field_errors(again)[0]


def test_a_downgrade_the_configuration_does_not_fit_disables_the_plugin(client, admin, registered):
    flashes_after(
        client,
        paste(
            client,
            f"/plugins/{registered.id}/upgrade",
            manifest(version="2.0.0", config_schema={"type": "object"}),
        ),
    )
    plugin = db.session.get(Plugin, registered.id)
    plugin.config = {"anything": True}
    plugin.is_enabled = True
    db.session.flush()
    response = post_form(client, f"/plugins/{registered.id}/downgrade", {"version": "1.0.0"})
    page = flashes_after(client, response)
    assert "anything: is not an allowed field" in page and "gene-lens was disabled." in page
    assert db.session.get(Plugin, registered.id).is_enabled is False


def test_downgrade_offers_nothing_without_an_earlier_version(client, admin, registered):
    page = text(client.get(f"/plugins/{registered.id}/downgrade"))
    assert "data-no-earlier" in page
    before = registry_state()
    token = csrf_token_from(client, "/logout")  # the page itself offers no form
    data = {"csrf_token": token, "version": "1.0.0"}
    response = client.post(f"/plugins/{registered.id}/downgrade", data=data)
    assert response.status_code == 400
    assert "Choose a version from the list." in text(response)
    assert registry_state() == before


def test_a_stored_manifest_that_no_longer_validates_is_not_restored(client, admin, registered):
    flashes_after(
        client, paste(client, f"/plugins/{registered.id}/upgrade", manifest(version="1.1.0"))
    )
    old = db.session.scalar(
        sa.select(PluginVersion).where(
            PluginVersion.plugin_id == registered.id, PluginVersion.version == "1.0.0"
        )
    )
    old.manifest = manifest(permissions=["models.retired"])  # a permission the portal dropped
    db.session.flush()
    before = registry_state()
    response = post_form(client, f"/plugins/{registered.id}/downgrade", {"version": "1.0.0"})
    page = flashes_after(client, response)
    assert "The manifest of version 1.0.0 no longer passes validation." in page
    assert "permissions[0]: 'models.retired' is not a portal permission." in page
    assert registry_state() == before
