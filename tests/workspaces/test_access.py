"""Who may open what under /workspaces: membership scopes reading, ownership managing."""

from __future__ import annotations

import pytest

from portal.security.permissions import Access, Permission
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.helpers.pages import get_or_post, text
from tests.helpers.records import audit_count
from tests.workspaces.helpers import listed, member_id, state

# (method, path template, form data) of every route that changes a workspace or asks to.
MANAGE_ROUTES = [
    ("GET", "/edit", {}),
    ("POST", "/edit", {"name": "Hacked", "settings": "{}", "version": "1"}),
    ("GET", "/archive", {}),
    ("POST", "/archive", {"confirmation": "ws-b"}),
    ("GET", "/unarchive", {}),
    ("POST", "/unarchive", {}),
    ("POST", "/members", {"email": "spare@example.org", "role": "editor"}),
    ("POST", "/members/{member}/role", {"role": "editor"}),
    ("GET", "/members/{member}/remove", {}),
    ("POST", "/members/{member}/remove", {}),
    ("GET", "/members/{member}/transfer", {}),
    ("POST", "/members/{member}/transfer", {"confirmation": "pi2@example.org"}),
]
READ_ROUTES = ["", "/members"]


@pytest.fixture
def two_workspaces(make_pi):
    """A (owned by owner-a) and B (owned by owner-b, with a PI viewer), plus a spare user."""
    a = WorkspaceFactory(name="A", slug="ws-a", owner=make_pi("owner-a@example.org"))
    b = WorkspaceFactory(name="B", slug="ws-b", owner=make_pi("owner-b@example.org"))
    MemberFactory(workspace=b, user=make_pi("pi2@example.org"), role="viewer")
    UserFactory(email="spare@example.org")
    return a, b


def _url(workspace, path):
    if "{member}" in path:
        path = path.format(member=member_id(workspace, "pi2@example.org"))
    return f"/workspaces/{workspace.id}{path}"


def _try_all(client, workspace, routes, expected):
    before, events = state(workspace.id), audit_count()
    wrong = []
    for method, path, data in routes:
        response = get_or_post(client, method, _url(workspace, path), data)
        if response.status_code != expected:
            wrong.append((method, path, response.status_code))
    assert wrong == []
    assert state(workspace.id) == before and audit_count() == events


@pytest.mark.parametrize("role", ["Researcher", "Analyst", "Viewer", "PI"])
def test_a_member_of_a_cannot_reach_b(client, signed_in_user, two_workspaces, role):
    a, b = two_workspaces
    user = signed_in_user("member@example.org", role)
    MemberFactory(workspace=a, user=user, role="editor")
    assert listed(client.get("/workspaces?status=all")) == ["ws-a"]
    for path in READ_ROUTES:
        assert client.get(_url(b, path)).status_code == 404
        assert client.get(_url(a, path)).status_code == 200
    # PIs pass the permission check and then find nothing; the others lack the permission.
    _try_all(client, b, MANAGE_ROUTES, 404 if role == "PI" else 403)


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_a_pi_who_is_a_member_but_not_the_owner_gets_403(
    client, signed_in_user, two_workspaces, role
):
    _, b = two_workspaces
    user = signed_in_user("member@example.org", "PI")
    MemberFactory(workspace=b, user=user, role=role)
    page = text(client.get(_url(b, "")))
    assert "/edit" not in page and "/archive" not in page
    assert "Add a member" not in text(client.get(_url(b, "/members")))
    _try_all(client, b, MANAGE_ROUTES, 403)


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_a_researcher_member_may_read_but_not_manage(client, signed_in_user, two_workspaces, role):
    _, b = two_workspaces
    user = signed_in_user("member@example.org", "Researcher")
    MemberFactory(workspace=b, user=user, role=role)
    for path in READ_ROUTES:
        assert client.get(_url(b, path)).status_code == 200
    _try_all(client, b, MANAGE_ROUTES, 403)


def test_the_owner_manages_and_an_admin_too(client, admin, two_workspaces):
    _, b = two_workspaces
    page = text(client.get(_url(b, "")))
    assert f'href="/workspaces/{b.id}/edit"' in page
    assert client.get(_url(b, "/edit")).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, two_workspaces):
    _, b = two_workspaces
    paths = READ_ROUTES + [path for method, path, _ in MANAGE_ROUTES if method == "GET"]
    for path in paths:
        response = client.get(_url(b, path))
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_every_workspaces_view_declares_its_access(app):
    views = {e: v for e, v in app.view_functions.items() if e.startswith("workspaces.")}
    expected = {
        "workspaces.index": Access.SIGNED_IN,
        "workspaces.detail": Access.SIGNED_IN,
        "workspaces.members": Access.SIGNED_IN,
        "workspaces.new": Permission.WORKSPACES_CREATE,
    }
    assert len(views) == 11
    for endpoint, view in views.items():
        assert view.required_access is expected.get(endpoint, Permission.WORKSPACES_MANAGE)
