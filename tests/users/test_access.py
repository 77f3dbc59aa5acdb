"""Who may open what under /users: users.view reads, users.manage changes."""

from __future__ import annotations

import pytest

from portal.security.permissions import Permission
from tests.helpers.access import assert_access_declared
from tests.helpers.pages import get_or_post, text
from tests.helpers.records import audit_count
from tests.users.helpers import role_id, user_count, user_state

# (method, path template) of every route that changes something or asks to.
MANAGE_ROUTES = [
    ("GET", "/users/new"),
    ("POST", "/users/new"),
    ("GET", "/users/{id}/edit"),
    ("POST", "/users/{id}/edit"),
    ("GET", "/users/{id}/deactivate"),
    ("POST", "/users/{id}/deactivate"),
    ("GET", "/users/{id}/reactivate"),
    ("POST", "/users/{id}/reactivate"),
    ("GET", "/users/{id}/unlock"),
    ("POST", "/users/{id}/unlock"),
    ("GET", "/users/{id}/reset-mfa"),
    ("POST", "/users/{id}/reset-mfa"),
    ("GET", "/users/{id}/revoke-sessions"),
    ("POST", "/users/{id}/revoke-sessions"),
    ("POST", "/users/{id}/roles"),
    ("GET", "/users/{id}/roles/{viewer}/revoke"),
    ("POST", "/users/{id}/roles/{viewer}/revoke"),
    ("GET", "/users/{id}/password-link"),
    ("POST", "/users/{id}/password-link"),
]


@pytest.fixture
def target(user_factory):
    return user_factory(
        email="target@example.org", roles=["Viewer"], mfa=True, is_active=False, lockout_count=1
    )


@pytest.mark.parametrize(("method", "path"), MANAGE_ROUTES)
def test_a_pi_may_not_manage(client, pi, target, method, path):
    url = path.format(id=target.id, viewer=role_id("Viewer"))
    before, events, users = user_state(target.id), audit_count(), user_count()
    data = {
        "confirmation": target.email,
        "name": "Hacked",
        "email": "hacked@example.org",
        "version": "1",
        "credential": "password",
        "role_id": str(role_id("Admin")),
    }
    response = get_or_post(client, method, url, data)
    assert response.status_code == 403
    assert user_state(target.id) == before
    assert audit_count() == events and user_count() == users


def test_a_pi_may_view_without_manage_buttons(client, pi, target):
    index = client.get("/users")
    assert index.status_code == 200
    assert 'href="/users/new"' not in text(index)
    page = text(client.get(f"/users/{target.id}"))
    assert "target@example.org" in page
    for action in ("edit", "deactivate", "reactivate", "unlock", "reset-mfa", "password-link"):
        assert f"/users/{target.id}/{action}" not in page
    assert f"/users/{target.id}/roles" not in page


@pytest.mark.parametrize("role", ["Researcher", "Analyst", "Viewer"])
def test_roles_without_users_view_get_403(client, signed_in_user, target, role):
    signed_in_user("someone@example.org", role)
    assert client.get("/users").status_code == 403
    assert client.get(f"/users/{target.id}").status_code == 403
    assert client.get("/users/new").status_code == 403


@pytest.mark.parametrize(
    "path", ["/users", "/users/new", "/users/{id}", "/users/{id}/edit", "/users/{id}/deactivate"]
)
def test_anonymous_is_sent_to_sign_in(client, target, path):
    response = client.get(path.format(id=target.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_every_users_view_declares_its_permission(app):
    read_only = dict.fromkeys(("users.index", "users.detail"), Permission.USERS_VIEW)
    assert_access_declared(
        app, "users", count=12, default=Permission.USERS_MANAGE, exceptions=read_only
    )
