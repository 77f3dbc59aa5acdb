"""Access to /roles: roles.manage only; anonymous to sign-in; CSRF on every POST."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from portal.security.permissions import Permission
from tests.helpers.pages import csrf_token_from
from tests.roles.helpers import audit_count, role_by_name, role_count

GET_PATHS = ["/roles", "/roles/new", "/roles/{id}", "/roles/{id}/delete"]
POST_PATHS = ["/roles/new", "/roles/{id}", "/roles/{id}/delete"]


def _form(role: Role) -> dict:
    return {
        "name": "Taken Over",
        "description": "",
        "permissions": ["roles.manage", "users.manage"],
        "requires_mfa": "",
        "confirmation": role.name,
    }


def _snapshot(role: Role) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Role, role.id)
    return role_count(), audit_count(), fresh.name, sorted(fresh.permissions)


@pytest.mark.parametrize("role_name", ["PI", "Researcher", "Viewer", "Analyst"])
def test_roles_without_roles_manage_get_403_everywhere(
    client, signed_in_user, make_role, role_name
):
    signed_in_user("someone@example.org", role_name)
    role = make_role("Lab Lead", ["models.view"])
    before = _snapshot(role)
    for path in GET_PATHS:
        assert client.get(path.format(id=role.id)).status_code == 403, path
    token = csrf_token_from(client, "/logout")
    for path in POST_PATHS:
        response = client.post(path.format(id=role.id), data={"csrf_token": token, **_form(role)})
        assert response.status_code == 403, path
    assert _snapshot(role) == before


def test_builtin_roles_are_also_off_limits_without_the_permission(client, viewer):
    admin_role = role_by_name("Admin")
    token = csrf_token_from(client, "/logout")
    response = client.post(
        f"/roles/{admin_role.id}", data={"csrf_token": token, **_form(admin_role)}
    )
    assert response.status_code == 403
    assert role_by_name("Admin").name == "Admin"


def test_anonymous_visitors_are_sent_to_sign_in(client, make_role):
    role = make_role("Lab Lead")
    for path in GET_PATHS:
        response = client.get(path.format(id=role.id))
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    token = csrf_token_from(client, "/login")
    before = _snapshot(role)
    for path in POST_PATHS:
        response = client.post(path.format(id=role.id), data={"csrf_token": token, **_form(role)})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    assert _snapshot(role) == before


def test_posts_without_a_csrf_token_are_refused(client, admin, make_role):
    role = make_role("Lab Lead", ["models.view"])
    before = _snapshot(role)
    for path in POST_PATHS:
        response = client.post(path.format(id=role.id), data=_form(role))
        assert response.status_code == 400, path
        assert "The form expired" in response.get_data(as_text=True), path
    assert _snapshot(role) == before


def test_every_roles_view_declares_roles_manage(app):
    views = {
        rule.endpoint: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("roles.")
    }
    assert set(views) == {"roles.index", "roles.new", "roles.detail", "roles.delete"}
    assert all(view.required_access is Permission.ROLES_MANAGE for view in views.values())
