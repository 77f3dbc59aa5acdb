"""/workspaces/new: who may create, the owner rules, short names, bad input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Workspace, WorkspaceMember
from tests.factories import UserFactory, WorkspaceFactory
from tests.helpers.pages import NUL_CHARACTER, flashes_after, text
from tests.helpers.records import audit_count
from tests.workspaces.helpers import post, workspace_count


def _created(slug: str) -> Workspace:
    workspace = db.session.scalar(sa.select(Workspace).where(Workspace.slug == slug))
    assert workspace is not None
    return workspace


def _members(workspace: Workspace) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        sa.select(WorkspaceMember).where(WorkspaceMember.workspace_id == workspace.id)
    )
    return sorted((m.user.email, m.role) for m in rows)


def test_a_pi_creates_a_workspace_they_own(client, pi, audit_rows):
    page = text(client.get("/workspaces/new"))
    assert 'name="owner_email"' not in page and "You will own this workspace" in page
    response = post(client, "/workspaces/new", name="  Gene Atlas ", slug="", description="Genes.")
    workspace = _created("gene-atlas")
    assert response.headers["Location"] == f"/workspaces/{workspace.id}"
    assert "Created Gene Atlas." in flashes_after(client, response)
    assert (workspace.name, workspace.description, workspace.owner_id) == (
        "Gene Atlas",
        "Genes.",
        pi.id,
    )
    assert workspace.settings == {} and workspace.version == 1 and not workspace.is_archived
    assert _members(workspace) == [("pi@example.org", "owner")]
    [created] = audit_rows(action="workspace.created", target_id=str(workspace.id))
    assert created.details == {
        "after": {"name": "Gene Atlas", "slug": "gene-atlas", "owner": "pi@example.org"}
    }
    assert created.actor_id == pi.id and created.workspace_id == workspace.id
    [added] = audit_rows(action="workspace.member.added", workspace_id=workspace.id)
    assert added.details["after"] == {"user": "pi@example.org", "role": "owner"}


def test_a_pi_cannot_name_another_owner(client, pi, make_pi):
    make_pi("other@example.org")
    response = post(client, "/workspaces/new", name="Mine", owner_email="other@example.org")
    assert response.status_code == 303
    assert _created("mine").owner_id == pi.id


def test_an_admin_names_a_pi_as_owner(client, admin, make_pi, audit_rows):
    owner = make_pi("owner@example.org")
    assert 'name="owner_email"' in text(client.get("/workspaces/new"))
    response = post(
        client, "/workspaces/new", name="Atlas", slug="atlas-1", owner_email="OWNER@example.org"
    )
    assert response.status_code == 303
    workspace = _created("atlas-1")
    assert workspace.owner_id == owner.id
    assert _members(workspace) == [("owner@example.org", "owner")]
    [row] = audit_rows(action="workspace.created")
    assert row.actor_id == admin.id and row.details["after"]["owner"] == "owner@example.org"


@pytest.mark.parametrize(
    ("owner", "message"),
    [
        ("nobody@example.org", "nobody@example.org has no account: only an active PI"),
        ("res@example.org", "does not hold the PI role"),
        ("gone@example.org", "gone@example.org is deactivated: only an active PI"),
        ("admin@example.org", "does not hold the PI role"),
        ("", "Enter the email of the PI who will own it."),
        ("not-an-email", "Enter a valid email address."),
    ],
)
def test_an_admin_must_name_an_active_pi(client, admin, make_pi, owner, message):
    UserFactory(email="res@example.org", roles=["Researcher"])
    make_pi("gone@example.org", is_active=False)
    events, count = audit_count(), workspace_count()
    response = post(client, "/workspaces/new", name="Atlas", owner_email=owner)
    assert response.status_code == 400
    assert message in text(response)
    assert audit_count() == events and workspace_count() == count


def test_the_short_name_is_made_unique_when_generated(client, pi):
    WorkspaceFactory(name="Atlas", slug="gene-atlas")
    WorkspaceFactory(name="Atlas", slug="gene-atlas-2")
    assert post(client, "/workspaces/new", name="Gene Atlas").status_code == 303
    assert _created("gene-atlas-3").name == "Gene Atlas"


def test_a_short_name_is_made_from_accented_names(client, pi):
    assert post(client, "/workspaces/new", name="Protéomique & Gènes!").status_code == 303
    assert _created("proteomique-genes").owner_id == pi.id


def test_a_given_short_name_that_is_taken_is_a_form_error(client, pi):
    WorkspaceFactory(slug="taken")
    events, count = audit_count(), workspace_count()
    response = post(client, "/workspaces/new", name="New", slug="taken")
    assert response.status_code == 400
    assert "The short name &#39;taken&#39; is taken." in text(response)
    assert audit_count() == events and workspace_count() == count


def test_no_short_name_can_be_made_from_symbols(client, pi):
    response = post(client, "/workspaces/new", name="!!! ???")
    assert response.status_code == 400
    assert "Enter a short name: none can be made from this name." in text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "   "}, "Enter a name."),
        ({"name": "n" * 201}, "Use at most 200 characters."),
        ({"name": "a\x00b"}, NUL_CHARACTER),
        ({"slug": "Upper"}, "Use lower-case letters, digits and hyphens only."),
        ({"slug": "with space"}, "Use lower-case letters, digits and hyphens only."),
        ({"slug": "a"}, "Use 2 to 100 characters."),
        ({"slug": "s" * 101}, "Use 2 to 100 characters."),
        ({"slug": "ok\x00"}, NUL_CHARACTER),
        ({"slug": "ünï"}, "Use lower-case letters, digits and hyphens only."),
        ({"description": "d" * 5001}, "Use at most 5,000 characters."),
        ({"description": "x" * 100_001}, "too long"),
    ],
)
def test_bad_input_is_a_400_and_creates_nothing(client, pi, data, message):
    events, count = audit_count(), workspace_count()
    response = post(client, "/workspaces/new", **{"name": "Fine", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert audit_count() == events and workspace_count() == count


def test_limits_are_inclusive(client, pi):
    data = {"name": "n" * 200, "slug": "s" * 100, "description": "d" * 5000}
    assert post(client, "/workspaces/new", **data).status_code == 303
    assert _created("s" * 100).name == "n" * 200


def test_extra_fields_are_ignored(client, pi):
    response = post(
        client, "/workspaces/new", name="Plain", is_archived="y", version="9", owner_id="x"
    )
    assert response.status_code == 303
    workspace = _created("plain")
    assert not workspace.is_archived and workspace.version == 1 and workspace.owner_id == pi.id


@pytest.mark.parametrize("role", ["Researcher", "Analyst", "Viewer"])
def test_other_roles_may_not_create(client, signed_in_user, role):
    signed_in_user("someone@example.org", role)
    count = workspace_count()
    assert client.get("/workspaces/new").status_code == 403
    assert post(client, "/workspaces/new", name="Nope").status_code == 403
    assert workspace_count() == count


def test_missing_csrf_is_a_400(client, pi):
    count = workspace_count()
    response = client.post("/workspaces/new", data={"name": "No token"})
    assert response.status_code == 400
    assert workspace_count() == count
