"""The workspace services' races and rules, below the views."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Workspace, WorkspaceMember
from portal.services.workspaces.changes import (
    add_member,
    add_member_by_email,
    create_workspace,
    get_workspace_by_slug,
    update_workspace,
)
from portal.services.workspaces.errors import (
    WorkspaceArchivedError,
    WorkspaceConflictError,
    WorkspaceRuleError,
)
from portal.services.workspaces.queries import free_slug, slug_from_name
from tests.factories import UserFactory, WorkspaceFactory


def _behind_our_back(workspace: Workspace, **values) -> None:
    """Another transaction's committed change, unseen by our loaded copy."""
    db.session.execute(
        sa.update(Workspace)
        .where(Workspace.id == workspace.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def test_a_concurrent_edit_is_a_conflict(app_ctx):
    workspace = WorkspaceFactory(name="Before")
    actor = workspace.owner
    _behind_our_back(workspace, name="Theirs", version=2)
    savepoint = db.session.begin_nested()
    with pytest.raises(WorkspaceConflictError, match="Someone else changed this workspace"):
        update_workspace(
            workspace, name="Mine", description="", settings={}, expected_version=1, actor=actor
        )
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.get(Workspace, workspace.id).name == "Theirs"


def test_a_change_that_raced_an_archive_is_refused(app_ctx):
    workspace = WorkspaceFactory()
    UserFactory(email="late@example.org")
    _behind_our_back(workspace, is_archived=True)
    savepoint = db.session.begin_nested()
    with pytest.raises(WorkspaceArchivedError):
        add_member_by_email(workspace, "late@example.org", role="viewer", actor=workspace.owner)
    with pytest.raises(WorkspaceArchivedError):
        update_workspace(
            workspace, name="X", description="", settings={}, expected_version=1, actor=None
        )
    savepoint.rollback()
    count = db.session.scalar(
        sa.select(sa.func.count()).where(WorkspaceMember.workspace_id == workspace.id)
    )
    assert count == 1


def test_create_workspace_and_add_member_keep_working_for_the_cli(app_ctx, audit_rows):
    owner = UserFactory(email="pi@example.org", roles=["PI"])
    editor = UserFactory(email="ed@example.org")
    workspace = create_workspace(name="Seed", slug="seed", owner=owner, actor=None)
    add_member(workspace, editor, role="editor", actor=None)
    assert get_workspace_by_slug("seed") is workspace
    assert len(audit_rows(action="workspace.member.added", workspace_id=workspace.id)) == 2
    assert audit_rows(action="workspace.created")[0].actor_email is None
    with pytest.raises(WorkspaceRuleError, match="is already a member"):
        add_member(workspace, editor, role="viewer", actor=None)
    with pytest.raises(WorkspaceRuleError, match="is taken"):
        create_workspace(name="Again", slug="seed", owner=owner, actor=None)


def test_only_a_pi_can_own_a_workspace(app_ctx):
    with pytest.raises(WorkspaceRuleError, match="only an active PI can"):
        create_workspace(name="X", slug="xx", owner=UserFactory(roles=["Researcher"]), actor=None)


@pytest.mark.parametrize("slug", ["A-b", "a", "a b", "ab\n", "a_b", "é-é"])
def test_create_workspace_checks_the_short_name(app_ctx, slug):
    with pytest.raises(WorkspaceRuleError, match="lower-case letters"):
        create_workspace(name="X", slug=slug, owner=UserFactory(roles=["PI"]), actor=None)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Gene Atlas", "gene-atlas"),
        ("  --Ünïcödé   Straße-- ", "unicode-strae"),
        ("a" * 150, "a" * 100),
        ("x" * 99 + " y", "x" * 99),
        ("日本語", ""),
    ],
)
def test_slug_from_name(name, slug):
    assert slug_from_name(name) == slug


def test_free_slug_appends_a_number_within_100_characters(app_ctx):
    WorkspaceFactory(slug="w" * 100)
    assert free_slug("w" * 120) == "w" * 96 + "-2"
    assert free_slug("?") is None
