"""Archiving (typed confirmation) makes a workspace read-only; unarchiving opens it again."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.helpers.pages import error_detail, flashes_after, text
from tests.helpers.records import audit_count
from tests.workspaces.helpers import member_id, post, state


@pytest.fixture
def workspace(pi):
    return WorkspaceFactory(name="Atlas", slug="atlas", owner=pi)


def test_archive_asks_for_the_short_name(client, workspace, audit_rows):
    path = f"/workspaces/{workspace.id}/archive"
    page = text(client.get(path))
    assert "Archive Atlas" in page and "Type atlas to confirm." in page
    before, events = state(workspace.id), audit_count()
    for typed in ("", "Atlas Workspace", "atlas\x00"):
        response = post(client, path, confirmation=typed)
        assert response.status_code == 400
        assert state(workspace.id) == before and audit_count() == events
    response = post(client, path, confirmation=" ATLAS ")
    assert response.headers["Location"] == f"/workspaces/{workspace.id}"
    assert "Atlas was archived." in flashes_after(client, response)
    now = state(workspace.id)
    assert now["is_archived"] is True and now["version"] == 2
    [row] = audit_rows(action="workspace.archived", target_id=str(workspace.id))
    assert row.details == {"before": {"is_archived": False}, "after": {"is_archived": True}}


@pytest.fixture
def archived(pi):
    workspace = WorkspaceFactory(name="Old", slug="old", owner=pi, is_archived=True)
    member = UserFactory(email="m@example.org", roles=["PI"], mfa=True)
    MemberFactory(workspace=workspace, user=member, role="viewer")
    UserFactory(email="new@example.org")
    return workspace


def _changes(workspace):
    mid = member_id(workspace, "m@example.org")
    base = f"/workspaces/{workspace.id}"
    return [
        ("GET", f"{base}/edit", {}),
        ("POST", f"{base}/edit", {"name": "X", "settings": "{}", "version": "1"}),
        ("GET", f"{base}/archive", {}),
        ("POST", f"{base}/archive", {"confirmation": "old"}),
        ("POST", f"{base}/members", {"email": "new@example.org", "role": "editor"}),
        ("POST", f"{base}/members/{mid}/role", {"role": "editor"}),
        ("GET", f"{base}/members/{mid}/remove", {}),
        ("POST", f"{base}/members/{mid}/remove", {}),
        ("GET", f"{base}/members/{mid}/transfer", {}),
        ("POST", f"{base}/members/{mid}/transfer", {"confirmation": "m@example.org"}),
    ]


def test_an_archived_workspace_refuses_every_change_with_409(client, pi, archived):
    before, events = state(archived.id), audit_count()
    for method, path, data in _changes(archived):
        response = client.get(path) if method == "GET" else post(client, path, **data)
        assert response.status_code == 409, (method, path)
        assert "archived and read-only" in error_detail(response)
        assert state(archived.id) == before and audit_count() == events


def test_an_archived_workspace_can_still_be_read(client, pi, archived):
    page = text(client.get(f"/workspaces/{archived.id}"))
    assert "This workspace is archived and read-only." in page
    assert f"/workspaces/{archived.id}/edit" not in page
    assert f'href="/workspaces/{archived.id}/unarchive"' in page
    members = text(client.get(f"/workspaces/{archived.id}/members"))
    assert "m@example.org" in members
    assert "Add a member" not in members and "/remove" not in members


def test_unarchive_opens_it_again(client, pi, archived, audit_rows):
    path = f"/workspaces/{archived.id}/unarchive"
    assert "Unarchive Old" in text(client.get(path))
    response = post(client, path)
    assert "Old was unarchived." in flashes_after(client, response)
    assert state(archived.id)["is_archived"] is False
    [row] = audit_rows(action="workspace.unarchived", target_id=str(archived.id))
    assert row.details == {"before": {"is_archived": True}, "after": {"is_archived": False}}
    response = post(client, f"/workspaces/{archived.id}/edit", name="Open", settings="{}")
    assert response.status_code == 400  # a form error (no version), no longer a 409


def test_unarchiving_an_open_workspace_is_refused(client, workspace, audit_rows):
    before = state(workspace.id)
    response = post(client, f"/workspaces/{workspace.id}/unarchive")
    assert "Atlas is not archived." in flashes_after(client, response)
    assert state(workspace.id) == before
    assert audit_rows(action="workspace.unarchived") == []


def test_a_viewer_cannot_archive_or_unarchive(client, researcher, make_pi):
    workspace = WorkspaceFactory(owner=make_pi("owner@example.org"), is_archived=True)
    MemberFactory(workspace=workspace, user=researcher, role="editor")
    before = state(workspace.id)
    assert post(client, f"/workspaces/{workspace.id}/unarchive").status_code == 403
    assert post(client, f"/workspaces/{workspace.id}/archive", confirmation="x").status_code == 403
    assert state(workspace.id) == before
