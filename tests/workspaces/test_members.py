"""/workspaces/<id>/members: list, add, change role, remove, transfer ownership."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.helpers.pages import NEXT_LINK, NUL_CHARACTER, flashes_after, link, text
from tests.helpers.records import audit_count
from tests.workspaces.helpers import MEMBER_ROW, listed, member_id, post, role_of, state


@pytest.fixture
def workspace(pi):
    workspace = WorkspaceFactory(name="Atlas", slug="atlas", owner=pi)
    MemberFactory(
        workspace=workspace,
        user=UserFactory(email="ed@example.org", name="Ed Editor"),
        role="editor",
        cursor={"view": "pathway", "id": "R-HSA-1640170", "zoom": 3},
        last_seen_at=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
    )
    MemberFactory(
        workspace=workspace,
        user=UserFactory(email="vi@example.org", name="Vi Viewer"),
        role="viewer",
        cursor={"weird": True},
    )
    return workspace


def _path(workspace, email=None, action=None):
    base = f"/workspaces/{workspace.id}/members"
    return base if email is None else f"{base}/{member_id(workspace, email)}/{action}"


def test_members_list_shows_roles_and_positions(client, workspace):
    response = client.get(_path(workspace))
    assert response.status_code == 200
    page = text(response)
    assert listed(response, MEMBER_ROW) == ["ed@example.org", "pi@example.org", "vi@example.org"]
    assert "3 members" in page and "Ed Editor" in page
    assert "Viewing pathway R-HSA-1640170 (zoom 3)" in page
    assert "Somewhere in the workspace" in page and "Not opened yet" in page
    assert "2024-05-06 07:08 UTC" in page
    # The owner's own row has no role form; the others do.
    assert f'action="{_path(workspace, "ed@example.org", "role")}"' in page
    assert f'action="{_path(workspace, "pi@example.org", "role")}"' not in page
    assert f'href="{_path(workspace, "pi@example.org", "remove")}"' not in page
    assert "Add a member" in page


def test_members_are_paged(client, workspace):
    for i in range(4):
        MemberFactory(workspace=workspace, user=UserFactory(email=f"z{i}@example.org"))
    first = client.get(_path(workspace), query_string={"per_page": 4})
    assert len(listed(first, MEMBER_ROW)) == 4
    second = client.get(link(NEXT_LINK, first))
    assert listed(second, MEMBER_ROW) == ["z1@example.org", "z2@example.org", "z3@example.org"]


@pytest.mark.parametrize(
    "args", [{"after": "nope"}, {"per_page": "0"}, {"before": "a\x00"}, {"per_page": "x"}]
)
def test_bad_member_page_arguments_are_400(client, workspace, args):
    assert client.get(_path(workspace), query_string=args).status_code == 400


def test_add_a_member_by_email(client, pi, workspace, audit_rows):
    new = UserFactory(email="new@example.org")
    response = post(client, _path(workspace), email=" NEW@example.org ", role="editor")
    assert response.headers["Location"] == _path(workspace)
    assert "new@example.org joined Atlas as editor." in flashes_after(client, response)
    assert (str(new.id), "editor") in state(workspace.id)["members"]
    [row] = audit_rows(action="workspace.member.added", workspace_id=workspace.id)
    assert row.details["after"] == {"user": "new@example.org", "role": "editor"}
    assert row.actor_id == pi.id and row.target_type == "workspace_member"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nobody@example.org"}, "No account has the email nobody@example.org."),
        ({"email": "ed@example.org"}, "ed@example.org is already a member of Atlas."),
        ({"email": "pi@example.org"}, "pi@example.org is already a member of Atlas."),
        ({"email": "gone@example.org"}, "gone@example.org is deactivated."),
        ({"email": ""}, "Enter the person&#39;s email."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "a@example.org\x00"}, NUL_CHARACTER),
        ({"email": "a" * 250 + "@example.org"}, "Field cannot be longer than 254 characters."),
        ({"role": "owner"}, "Choose editor or viewer."),
        ({"role": "admin"}, "Choose editor or viewer."),
        ({"role": ""}, "Choose editor or viewer."),
    ],
)
def test_bad_additions_are_form_errors(client, workspace, data, message):
    UserFactory(email="gone@example.org", is_active=False)
    UserFactory(email="fine@example.org")
    before, events = state(workspace.id), audit_count()
    response = post(
        client, _path(workspace), **{"email": "fine@example.org", "role": "viewer", **data}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert state(workspace.id) == before and audit_count() == events


def test_change_a_member_role(client, workspace, audit_rows):
    response = post(client, _path(workspace, "vi@example.org", "role"), role="editor")
    assert "vi@example.org is now an editor." in flashes_after(client, response)
    assert role_of(workspace, "vi@example.org") == "editor"
    [row] = audit_rows(action="workspace.member.role_changed", workspace_id=workspace.id)
    assert row.details == {
        "user": "vi@example.org",
        "before": {"role": "viewer"},
        "after": {"role": "editor"},
    }


def test_the_same_role_again_is_refused(client, workspace, audit_rows):
    response = post(client, _path(workspace, "vi@example.org", "role"), role="viewer")
    assert "vi@example.org is already a viewer." in flashes_after(client, response)
    assert audit_rows(action="workspace.member.role_changed") == []


@pytest.mark.parametrize("role", ["owner", "", "superuser", "viewer\x00"])
def test_bad_roles_are_a_400(client, workspace, role):
    before = state(workspace.id)
    response = post(client, _path(workspace, "vi@example.org", "role"), role=role)
    assert response.status_code == 400
    assert "data-role-errors" in text(response)
    assert state(workspace.id) == before


def test_the_owner_cannot_be_demoted_or_removed(client, workspace, audit_rows):
    before, events = state(workspace.id), audit_count()
    response = post(client, _path(workspace, "pi@example.org", "role"), role="viewer")
    assert "owns this workspace and cannot be demoted" in flashes_after(client, response)
    response = post(client, _path(workspace, "pi@example.org", "remove"))
    assert "owns this workspace and cannot be removed" in flashes_after(client, response)
    assert state(workspace.id) == before and audit_count() == events


def test_remove_a_member_after_confirmation(client, workspace, audit_rows):
    path = _path(workspace, "vi@example.org", "remove")
    removed_id = member_id(workspace, "vi@example.org")
    assert "Remove vi@example.org from Atlas" in text(client.get(path))
    response = post(client, path)
    assert "vi@example.org was removed from Atlas." in flashes_after(client, response)
    assert role_of(workspace, "vi@example.org") is None
    [row] = audit_rows(action="workspace.member.removed")
    assert row.target_id == str(removed_id) and row.workspace_id == workspace.id
    assert row.details["before"] == {"user": "vi@example.org", "role": "viewer"}
    # Gone: its URLs are 404 now.
    assert client.get(path).status_code == 404


def test_transfer_ownership_to_a_pi_member(client, pi, make_pi, workspace, audit_rows):
    new_owner = make_pi("next@example.org")
    MemberFactory(workspace=workspace, user=new_owner, role="viewer")
    page = text(client.get(_path(workspace)))
    assert f'href="{_path(workspace, "next@example.org", "transfer")}"' in page
    assert f'href="{_path(workspace, "ed@example.org", "transfer")}"' not in page

    path = _path(workspace, "next@example.org", "transfer")
    assert "Type next@example.org to confirm." in text(client.get(path))
    assert post(client, path, confirmation="pi@example.org").status_code == 400
    assert state(workspace.id)["owner_id"] == pi.id

    response = post(client, path, confirmation="next@example.org")
    assert "next@example.org now owns Atlas." in flashes_after(client, response)
    now = state(workspace.id)
    assert now["owner_id"] == new_owner.id and now["version"] == 2
    roles = dict(now["members"])
    assert roles[str(new_owner.id)] == "owner" and roles[str(pi.id)] == "editor"
    [row] = audit_rows(action="workspace.owner.changed", target_id=str(workspace.id))
    assert row.details == {
        "before": {
            "owner": "pi@example.org",
            "roles": {"pi@example.org": "owner", "next@example.org": "viewer"},
        },
        "after": {
            "owner": "next@example.org",
            "roles": {"pi@example.org": "editor", "next@example.org": "owner"},
        },
    }
    # The old owner is an editor now: they see it but no longer manage it.
    assert client.get(f"/workspaces/{workspace.id}").status_code == 200
    assert client.get(f"/workspaces/{workspace.id}/edit").status_code == 403


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("ed@example.org", "cannot own a workspace: only an active PI can."),
        ("pi@example.org", "already owns this workspace."),
        ("idle@example.org", "cannot own a workspace: only an active PI can."),
    ],
)
def test_transfer_is_refused_to_non_pis(client, make_pi, workspace, email, message):
    MemberFactory(workspace=workspace, user=make_pi("idle@example.org", is_active=False))
    before, events = state(workspace.id), audit_count()
    response = post(client, _path(workspace, email, "transfer"), confirmation=email)
    assert message in flashes_after(client, response)
    assert state(workspace.id) == before and audit_count() == events


def test_an_admin_manages_members_of_any_workspace(client, admin, make_pi):
    workspace = WorkspaceFactory(owner=make_pi("owner@example.org"))
    UserFactory(email="new@example.org")
    response = post(client, _path(workspace), email="new@example.org", role="viewer")
    assert response.status_code == 303
    assert len(state(workspace.id)["members"]) == 2


def test_another_workspaces_member_id_is_404(client, pi, workspace):
    other = WorkspaceFactory(owner=pi)
    MemberFactory(workspace=other, user=UserFactory(email="elsewhere@example.org"))
    foreign = member_id(other, "elsewhere@example.org")
    before = state(other.id)
    base = f"/workspaces/{workspace.id}/members/{foreign}"
    assert post(client, f"{base}/role", role="editor").status_code == 404
    assert client.get(f"{base}/remove").status_code == 404
    assert post(client, f"{base}/remove").status_code == 404
    assert post(client, f"{base}/transfer", confirmation="elsewhere@example.org").status_code == 404
    assert state(other.id) == before


@pytest.mark.parametrize("member", [lambda: uuid.uuid4(), lambda: "not-a-uuid", lambda: "1"])
def test_unknown_member_ids_are_404(client, workspace, member):
    base = f"/workspaces/{workspace.id}/members/{member()}"
    assert post(client, f"{base}/role", role="editor").status_code == 404
    assert client.get(f"{base}/remove").status_code == 404
    assert client.get(f"{base}/transfer").status_code == 404


def test_missing_csrf_changes_nothing(client, workspace):
    before, events = state(workspace.id), audit_count()
    path = _path(workspace, "vi@example.org", "role")
    assert client.post(path, data={"role": "editor"}).status_code == 400
    assert client.post(_path(workspace, "vi@example.org", "remove")).status_code == 400
    response = client.post(_path(workspace), data={"email": "x@example.org", "role": "viewer"})
    assert response.status_code == 400
    assert state(workspace.id) == before and audit_count() == events


def test_a_malformed_workspace_id_is_404(client, pi):
    assert client.get("/workspaces/zzz/members").status_code == 404
