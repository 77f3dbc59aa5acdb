"""Deny by default: every endpoint declares its access, and the checks hold."""

from __future__ import annotations

import pytest

from portal.security.permissions import ALL_PERMISSIONS, BUILTIN_ROLES, Access, AnyOf, Permission

PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.mfa",
    "account.set_password",
    "system.healthz",
    "system.readyz",
}


def _endpoints(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def test_every_view_declares_its_access(app):
    undeclared = [
        endpoint
        for endpoint in _endpoints(app)
        if endpoint != "static"
        and not isinstance(
            getattr(app.view_functions[endpoint], "required_access", None),
            Permission | Access | AnyOf,
        )
    ]
    assert undeclared == [], f"views without @require(...): {undeclared}"


def test_only_sign_in_and_health_are_public(app):
    public = {
        endpoint
        for endpoint in _endpoints(app)
        if endpoint == "static"
        or getattr(app.view_functions[endpoint], "required_access", None) is Access.PUBLIC
    }
    assert public == PUBLIC_ENDPOINTS


def test_anonymous_users_are_sent_to_sign_in(app, client):
    for endpoint, rule in _endpoints(app).items():
        if endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login?next="), endpoint


def test_builtin_roles_match_the_permission_enum():
    assert set(BUILTIN_ROLES["Admin"]["permissions"]) == set(ALL_PERMISSIONS)
    for spec in BUILTIN_ROLES.values():
        assert set(spec["permissions"]) <= set(ALL_PERMISSIONS)


def test_migration_created_the_matrix(app_ctx):
    from portal.services.identity.roles import list_roles

    roles = {role.name: role for role in list_roles()}
    assert set(roles) == set(BUILTIN_ROLES)
    for name, spec in BUILTIN_ROLES.items():
        assert sorted(roles[name].permissions) == sorted(spec["permissions"]), name
        assert roles[name].requires_mfa is spec["requires_mfa"]
        assert roles[name].is_builtin is True


@pytest.mark.parametrize(
    ("role", "tiles"),
    [
        ("Admin", {"Users", "Workspaces", "Models", "Plugins enabled", "Events today"}),
        ("PI", {"Users", "Workspaces", "Models", "Plugins enabled", "Events today"}),
        ("Researcher", {"Workspaces", "Models", "Plugins enabled"}),
        ("Viewer", {"Workspaces", "Models"}),
    ],
)
def test_dashboard_shows_what_the_role_may_see(client, signed_in_user, role, tiles):
    signed_in_user(f"{role.lower()}@example.org", role)
    page = client.get("/").get_data(as_text=True)
    for label in {"Users", "Workspaces", "Models", "Plugins enabled", "Events today"}:
        assert (f'data-tile="{label}"' in page) is (label in tiles), label


def test_navigation_lists_only_registered_endpoints_the_user_may_open(client, viewer):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/">Dashboard</a>' in page
    assert ">Users</a>" not in page and ">Audit</a>" not in page
