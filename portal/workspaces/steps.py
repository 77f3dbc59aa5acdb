"""The confirmed actions on a workspace: archive, unarchive, remove a member, transfer."""

from __future__ import annotations

from flask import url_for

from portal.models import Workspace, WorkspaceMember
from portal.services.workspaces.changes import remove_member, set_archived, transfer_ownership
from portal.workspaces.helpers import Confirmation, acting_user


def archive_step(workspace: Workspace) -> Confirmation:
    """Archive, after typing the workspace's short name."""
    return Confirmation(
        title=f"Archive {workspace.name}",
        message=(
            f"{workspace.name} becomes read-only: nobody can change it, its members, models "
            "or reports until it is unarchived. Everything stays visible."
        ),
        label="Archive",
        done=f"{workspace.name} was archived.",
        run=lambda: set_archived(workspace, True, actor=acting_user()),
        back=url_for("workspaces.detail", workspace_id=workspace.id),
        danger=True,
        typed=workspace.slug,
    )


def unarchive_step(workspace: Workspace) -> Confirmation:
    """Unarchive: the workspace can be changed again."""
    return Confirmation(
        title=f"Unarchive {workspace.name}",
        message=f"{workspace.name} can be changed again by its owner and members.",
        label="Unarchive",
        done=f"{workspace.name} was unarchived.",
        run=lambda: set_archived(workspace, False, actor=acting_user()),
        back=url_for("workspaces.detail", workspace_id=workspace.id),
    )


def remove_step(workspace: Workspace, member: WorkspaceMember) -> Confirmation:
    """Remove a member from the workspace."""
    email = member.user.email
    return Confirmation(
        title=f"Remove {email} from {workspace.name}",
        message=f"{email} loses access to {workspace.name} from their next request.",
        label="Remove",
        done=f"{email} was removed from {workspace.name}.",
        run=lambda: remove_member(member, actor=acting_user()),
        back=url_for("workspaces.members", workspace_id=workspace.id),
        danger=True,
    )


def transfer_step(workspace: Workspace, member: WorkspaceMember) -> Confirmation:
    """Make a member who is a PI the owner, after typing their email."""
    email, owner = member.user.email, workspace.owner.email
    return Confirmation(
        title=f"Make {email} the owner of {workspace.name}",
        message=(
            f"{email} will own and manage {workspace.name}; {owner} stays on as an editor "
            "and can no longer manage it."
        ),
        label="Transfer ownership",
        done=f"{email} now owns {workspace.name}.",
        run=lambda: transfer_ownership(workspace, member, actor=acting_user()),
        back=url_for("workspaces.members", workspace_id=workspace.id),
        danger=True,
        typed=email,
    )
