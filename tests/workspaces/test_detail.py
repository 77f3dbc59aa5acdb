"""/workspaces/<id>: members (first 20), newest models and reports, the history link."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from portal.models.base import utcnow
from tests.factories import (
    MemberFactory,
    MLModelFactory,
    ReportFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.helpers.pages import text


def test_detail_shows_the_workspace_and_its_actions(client, pi):
    workspace = WorkspaceFactory(name="Atlas <b>", slug="atlas", owner=pi, description="About.")
    page = text(client.get(f"/workspaces/{workspace.id}"))
    assert "Atlas &lt;b&gt;" in page and "About." in page and "pi@example.org" in page
    for action in ("edit", "archive"):
        assert f'href="/workspaces/{workspace.id}/{action}"' in page
    assert f'href="/workspaces/{workspace.id}/unarchive"' not in page
    assert f'href="/audit?workspace={workspace.id}"' in page
    assert f'href="/workspaces/{workspace.id}/members"' in page


def test_detail_lists_the_first_20_members_owner_first(client, pi):
    workspace = WorkspaceFactory(owner=pi)
    for i in range(22):
        role = "editor" if i % 2 else "viewer"
        MemberFactory(
            workspace=workspace, user=UserFactory(email=f"m{i:02d}@example.org"), role=role
        )
    page = text(client.get(f"/workspaces/{workspace.id}"))
    shown = re.findall(r'data-member="([^"]+)"', page)
    assert len(shown) == 20
    assert shown[0] == "pi@example.org"
    assert shown[1:12] == [f"m{i:02d}@example.org" for i in range(1, 22, 2)]
    assert "data-member-total>23<" in page and "All 23 members" in page


def test_detail_lists_the_20_newest_models_with_links(client, pi):
    workspace = WorkspaceFactory(owner=pi)
    base = utcnow() - timedelta(days=1)
    models = [
        MLModelFactory(workspace=workspace, created_at=base + timedelta(minutes=i))
        for i in range(22)
    ]
    MLModelFactory(name="elsewhere")  # another workspace
    page = text(client.get(f"/workspaces/{workspace.id}"))
    shown = re.findall(r'data-model="([^"]+)"', page)
    assert shown == [str(m.id) for m in reversed(models)][:20]
    assert f'href="/models/{models[-1].id}"' in page and "elsewhere" not in page


def test_reports_the_owner_sees_all_a_member_only_theirs(client, sign_in_as, pi):
    workspace = WorkspaceFactory(owner=pi)
    researcher = UserFactory(email="res@example.org", roles=["Researcher"])
    MemberFactory(workspace=workspace, user=researcher, role="editor")
    mine = ReportFactory(workspace=workspace, requested_by=researcher)
    theirs = ReportFactory(workspace=workspace, requested_by=pi)
    ReportFactory(requested_by=researcher)  # no workspace

    page = text(client.get(f"/workspaces/{workspace.id}"))
    assert set(re.findall(r'data-report="([^"]+)"', page)) == {str(mine.id), str(theirs.id)}
    assert f'href="/reports/{mine.id}"' in page and ">Reports<" in page

    sign_in_as(researcher)
    page = text(client.get(f"/workspaces/{workspace.id}"))
    assert re.findall(r'data-report="([^"]+)"', page) == [str(mine.id)]
    assert "Your reports" in page
    # A plain member gets neither manage buttons nor the history link.
    assert f"/workspaces/{workspace.id}/edit" not in page and "/audit?" not in page


def test_an_admin_sees_any_workspace_with_its_history(client, admin, make_pi):
    workspace = WorkspaceFactory(owner=make_pi("owner@example.org"))
    report = ReportFactory(workspace=workspace)
    page = text(client.get(f"/workspaces/{workspace.id}"))
    assert f'href="/audit?workspace={workspace.id}"' in page
    assert str(report.id) in page and "No models yet." in page


def test_unknown_and_malformed_ids_are_404(client, pi):
    assert client.get(f"/workspaces/{uuid.uuid4()}").status_code == 404
    assert client.get("/workspaces/12345").status_code == 404
    assert client.get(f"/workspaces/{uuid.uuid4()}/members").status_code == 404
