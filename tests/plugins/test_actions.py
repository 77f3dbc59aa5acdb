"""Enable, disable and configure: confirmation pages change nothing; POSTs change and audit."""

from __future__ import annotations

import json

import pytest

from portal.extensions import db
from portal.models import Plugin
from portal.services.plugins.changes import register_plugin
from tests.helpers.pages import field_errors, flashes_after, post_form, text
from tests.plugins.helpers import manifest, registry_state

NEEDS_TOKEN = {
    "type": "object",
    "properties": {
        "endpoint": {"type": "string", "default": "https://lens.example.org"},
        "api_token": {"type": "string", "minLength": 8},
        "limits": {
            "type": "object",
            "properties": {"per_minute": {"type": "integer", "minimum": 1}},
        },
    },
    "required": ["api_token"],
    "additionalProperties": False,
}


@pytest.fixture
def risky(admin):
    """A plugin asking for high-risk permissions whose configuration lacks a required token."""
    plugin = register_plugin(
        manifest(
            name="audit-mirror",
            permissions=["audit.export", "models.view"],
            config_schema=NEEDS_TOKEN,
        ),
        actor=admin,
    )
    db.session.flush()
    return plugin


@pytest.mark.parametrize("action", ["enable", "disable", "config", "upgrade", "downgrade"])
def test_confirmation_and_form_pages_change_nothing(client, admin, registered, action):
    before = registry_state()
    response = client.get(f"/plugins/{registered.id}/{action}")
    assert response.status_code == 200
    assert f'href="/plugins/{registered.id}"' in text(response)  # cancel / back
    assert registry_state() == before


def test_enabling_shows_the_permissions_to_approve_and_records_it(
    client, admin, registered, audit_rows
):
    page = text(client.get(f"/plugins/{registered.id}/enable"))
    assert 'data-permission="models.view"' in page and "Read the ML model registry." in page
    assert 'data-permission="reports.generate"' in page
    assert "data-high-risk" not in page
    assert 'name="version" type="hidden" value="1.0.0"' in page

    response = post_form(client, f"/plugins/{registered.id}/enable", {"version": "1.0.0"})
    assert "gene-lens is enabled with the permissions you approved." in flashes_after(
        client, response
    )
    assert db.session.get(Plugin, registered.id).is_enabled is True
    [row] = audit_rows(action="plugin.enabled", target_id=str(registered.id))
    assert row.actor_id == admin.id
    assert row.details == {
        "before": {"enabled": False},
        "after": {"enabled": True},
        "approved": ["models.view", "reports.generate"],
    }


def test_high_risk_permissions_are_flagged(client, risky):
    page = text(client.get(f"/plugins/{risky.id}/enable"))
    assert 'data-permission="audit.export"' in page
    assert "data-high-risk-warning" in page
    assert page.count("data-high-risk>") == 1


def test_enabling_is_refused_while_the_config_does_not_validate(client, risky, audit_rows):
    page = text(client.get(f"/plugins/{risky.id}/enable"))
    assert "data-config-problems" in page and "api_token: is required." in page
    assert " disabled>Approve permissions and enable" in page

    before = registry_state()
    response = post_form(client, f"/plugins/{risky.id}/enable", {"version": "1.0.0"})
    shown = flashes_after(client, response)
    assert (
        "audit-mirror cannot be enabled: fix its configuration first. (api_token: is required.)"
        in shown
    )
    assert registry_state() == before
    assert audit_rows(action="plugin.enabled") == []


def test_enabling_a_version_other_than_the_reviewed_one_is_refused(client, admin, registered):
    before = registry_state()
    response = post_form(client, f"/plugins/{registered.id}/enable", {"version": "0.9.0"})
    assert "changed to version 1.0.0 since you reviewed it" in flashes_after(client, response)
    assert registry_state() == before


def test_enabling_without_the_reviewed_version_is_refused(client, admin, registered):
    before = registry_state()
    response = post_form(client, f"/plugins/{registered.id}/enable")
    assert response.status_code == 400
    assert "The form is missing its version; reload the page." in text(response)
    assert registry_state() == before


def test_disable_after_confirmation(client, admin, registered, audit_rows):
    registered.is_enabled = True
    db.session.flush()
    page = text(client.get(f"/plugins/{registered.id}/disable"))
    assert f'action="/plugins/{registered.id}/disable"' in page
    response = post_form(client, f"/plugins/{registered.id}/disable")
    assert "gene-lens is disabled." in flashes_after(client, response)
    assert db.session.get(Plugin, registered.id).is_enabled is False
    [row] = audit_rows(action="plugin.disabled", target_id=str(registered.id))
    assert row.details == {"before": {"enabled": True}, "after": {"enabled": False}}


def test_disabling_a_disabled_plugin_is_refused(client, admin, registered, audit_rows):
    before = registry_state()
    response = post_form(client, f"/plugins/{registered.id}/disable")
    assert "gene-lens is already disabled." in flashes_after(client, response)
    assert registry_state() == before


def test_configuration_is_saved_and_audited_by_key_only(client, risky, audit_rows):
    path = f"/plugins/{risky.id}/config"
    assert "https://lens.example.org" in text(client.get(path))
    config = {"endpoint": "https://other.example.org", "api_token": "s3cr3t-value"}
    response = post_form(client, path, {"config": json.dumps(config)})
    assert "Saved the configuration of audit-mirror (changed: api_token, endpoint)." in (
        flashes_after(client, response)
    )
    assert db.session.get(Plugin, risky.id).config == config
    [row] = audit_rows(action="plugin.configured", target_id=str(risky.id))
    assert row.details == {"added": ["api_token"], "removed": [], "changed": ["endpoint"]}
    assert "s3cr3t-value" not in json.dumps(row.details)

    # And now it can be enabled.
    response = post_form(client, f"/plugins/{risky.id}/enable", {"version": "1.0.0"})
    assert "audit-mirror is enabled" in flashes_after(client, response)


def test_saving_the_same_configuration_changes_nothing(client, admin, registered, audit_rows):
    path = f"/plugins/{registered.id}/config"
    response = post_form(client, path, {"config": json.dumps(registered.config)})
    assert "(nothing changed)" in flashes_after(client, response)
    assert audit_rows(action="plugin.configured") == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"api_token": "short", "limits": {"per_minute": 0}, "colour": "red"},
            [
                "api_token: is 5 characters long; it must be at least 8.",
                "colour: is not an allowed field (allowed: api_token, endpoint, limits).",
                "limits.per_minute: 0 is less than the minimum of 1.",
            ],
        ),
        (
            {"limits": {"per_minute": "5"}},
            [
                "api_token: is required.",
                "limits.per_minute: must be an integer, not a string.",
            ],
        ),
        ("[]", ["Configuration must be a JSON object ({…}), not an array."]),
        (
            '{"a": 1,}',
            [
                "Configuration is not valid JSON: Expecting property name enclosed in double "
                "quotes (line 1, column 9)."
            ],
        ),
        (
            '{"api_token": "a\\u0000bcdefgh"}',
            ["Configuration.api_token contains a NUL character (\\u0000), which is not allowed."],
        ),
        (
            '{"limits": {"per_minute": 1e400}}',
            ["Configuration contains 1e400, a number too large to store."],
        ),
        (
            '{"api_token": "\x00"}',
            ["The configuration contains a NUL character, which is not allowed."],
        ),
        ("", ["Enter the configuration; {} is an empty one."]),
    ],
)
def test_a_configuration_that_does_not_validate_is_refused(client, risky, body, expected):
    before = registry_state()
    value = body if isinstance(body, str) else json.dumps(body)
    response = post_form(client, f"/plugins/{risky.id}/config", {"config": value})
    assert response.status_code == 400
    assert field_errors(response) == expected
    assert registry_state() == before


def test_a_configuration_over_64_kb_is_refused(client, risky):
    before = registry_state()
    body = json.dumps({"api_token": "x" * (64 * 1024)})
    response = post_form(client, f"/plugins/{risky.id}/config", {"config": body})
    assert response.status_code == 400
    assert field_errors(response) == [
        f"The configuration is {len(body):,} bytes; at most 65,536 bytes (64 KB) are allowed."
    ]
    assert registry_state() == before


def test_the_detail_page_shows_everything_but_secret_values(client, risky, admin):
    risky.config = {"endpoint": "https://lens.example.org", "api_token": "s3cr3t-value"}
    db.session.flush()
    page = text(client.get(f"/plugins/{risky.id}"))
    for expected in (
        "audit-mirror",
        "1.0.0",
        "OmniScope Labs",
        "gene_lens.app:create_plugin",
        'href="https://lens.example.org"',
        "Export the audit trail as CSV.",
        "data-high-risk",
        "&#34;api_token&#34;: &#34;••••••&#34;",
        'data-history-version="1.0.0"',
        "admin@example.org",
    ):
        assert expected in page, expected
    assert "s3cr3t-value" not in page
