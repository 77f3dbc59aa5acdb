"""Workspaces and their membership: creation, edits, archiving, members, ownership."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.models import User, Workspace, WorkspaceMember
from portal.services import audit
from portal.services.editing import flush, update_versioned
from portal.services.signin.sign_in import find_user_by_email
from portal.services.workspaces.access import ARCHIVED_MESSAGE, manages_all, membership
from portal.services.workspaces.errors import (
    WorkspaceArchivedError,
    WorkspaceConflictError,
    WorkspaceRuleError,
)
from portal.services.workspaces.queries import (
    SLUG_RE,
    current_member,
    free_slug,
    get_workspace_by_slug,
    is_eligible_owner,
)
from portal.tx import lock_for_update

MEMBER_ROLES = ("editor", "viewer")  # what can be given; "owner" comes with ownership
AS_WORDS = {"owner": "the owner", "editor": "an editor", "viewer": "a viewer"}
CONFLICT_MESSAGE = (
    "Someone else changed this workspace while you were editing. Nothing was saved: "
    "check the current values and submit again."
)


def _saved() -> None:
    """Flush a change (a lost race on the version, a deleted row or a unique key refused)."""
    flush(
        stale=WorkspaceConflictError(CONFLICT_MESSAGE),
        taken=WorkspaceConflictError("A clashing change was saved meanwhile; try again."),
    )


def _lock_open(workspace: Workspace) -> None:
    """Lock the workspace row (reloading it) and refuse if it is archived."""
    # Every change locks the workspace first: one that raced an archive is refused, and
    # member changes of a workspace happen one at a time, so the owner rules hold.
    lock_for_update(workspace)
    if workspace.is_archived:
        raise WorkspaceArchivedError(ARCHIVED_MESSAGE)


def _reload(member: WorkspaceMember) -> WorkspaceMember:
    """The membership as it is now (after the workspace lock); conflict if it is gone."""
    current = current_member(member.id)
    if current is None:
        raise WorkspaceConflictError("That membership no longer exists; nothing was changed.")
    return current


def resolve_owner(email: str) -> User:
    """The active PI with this email, or a rule error naming what is wrong."""
    user = find_user_by_email(email)
    if user is None or not is_eligible_owner(user):
        why = "has no account" if user is None else "is deactivated" if not user.is_active else ""
        why = why or "does not hold the PI role"
        raise WorkspaceRuleError(
            f"{email} {why}: only an active PI can own a workspace.", field="owner_email"
        )
    return user


def new_workspace(
    *, name: str, slug: str | None, description: str, owner_email: str | None, actor: User
) -> Workspace:
    """Create a workspace from the form: an Admin names any PI as owner; anyone else owns
    what they create (and must be a PI). Without a short name one is made from the name."""
    if manages_all(actor) and owner_email:
        owner = resolve_owner(owner_email)
    elif is_eligible_owner(actor):
        owner = actor
    else:
        raise WorkspaceRuleError(
            "Only a PI can own a workspace: ask an administrator to create it for a PI.",
            field="owner_email",
        )
    slug = slug or free_slug(name)
    if slug is None:
        raise WorkspaceRuleError(
            "Enter a short name: none can be made from this name.", field="slug"
        )
    return create_workspace(name=name, slug=slug, owner=owner, description=description, actor=actor)


def create_workspace(
    *, name: str, slug: str, owner: User, description: str = "", actor: User | None
) -> Workspace:
    """Create a workspace owned by ``owner`` (a PI, who becomes its first member)."""
    if not SLUG_RE.fullmatch(slug):
        raise WorkspaceRuleError(
            "Use 2 to 100 lower-case letters, digits and hyphens.", field="slug"
        )
    if get_workspace_by_slug(slug) is not None:
        raise WorkspaceRuleError(f"The short name {slug!r} is taken.", field="slug")
    if not is_eligible_owner(owner):
        raise WorkspaceRuleError(
            f"{owner.email} cannot own a workspace: only an active PI can.", field="owner_email"
        )
    workspace = Workspace(name=name, slug=slug, description=description, owner=owner, settings={})
    db.session.add(workspace)
    # Another request may have taken the slug a moment ago.
    flush(taken=WorkspaceRuleError(f"The short name {slug!r} is taken.", field="slug"))
    audit.record(
        audit.Action.WORKSPACE_CREATED,
        target=workspace,
        actor=actor,
        details={"after": {"name": name, "slug": slug, "owner": owner.email}},
    )
    add_member(workspace, owner, role="owner", actor=actor)
    return workspace


def update_workspace(
    workspace: Workspace,
    *,
    name: str,
    description: str,
    settings: dict[str, Any],
    expected_version: int,
    actor: User,
) -> dict[str, Any]:
    """Change name, description and settings unless the workspace changed since
    ``expected_version`` was read; returns the changed fields' new values."""
    _lock_open(workspace)
    return update_versioned(
        workspace,
        {"name": name, "description": description, "settings": settings},
        expected_version=expected_version,
        action=audit.Action.WORKSPACE_UPDATED,
        actor=actor,
        stale=WorkspaceConflictError(CONFLICT_MESSAGE),
        taken=WorkspaceConflictError("A clashing change was saved meanwhile; try again."),
    )


def set_archived(workspace: Workspace, archived: bool, *, actor: User) -> None:
    """Archive a workspace (read-only until unarchived) or open it for changes again."""
    lock_for_update(workspace)
    if workspace.is_archived == archived:
        state = "already archived" if archived else "not archived"
        raise WorkspaceRuleError(f"{workspace.name} is {state}.")
    workspace.is_archived = archived
    workspace.version += 1
    _saved()
    audit.record(
        audit.Action.WORKSPACE_ARCHIVED if archived else audit.Action.WORKSPACE_UNARCHIVED,
        target=workspace,
        actor=actor,
        details={"before": {"is_archived": not archived}, "after": {"is_archived": archived}},
    )


def add_member(
    workspace: Workspace, user: User, *, role: str, actor: User | None
) -> WorkspaceMember:
    """Add ``user`` to ``workspace`` with a workspace role (owner, editor or viewer)."""
    if membership(user, workspace) is not None:
        raise WorkspaceRuleError(
            f"{user.email} is already a member of {workspace.name}.", field="email"
        )
    if not user.is_active:
        raise WorkspaceRuleError(f"{user.email} is deactivated.", field="email")
    member = WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=role)
    db.session.add(member)
    _saved()
    audit.record(
        audit.Action.WORKSPACE_MEMBER_ADDED,
        target=member,
        actor=actor,
        details={"user": user.email, "role": role, "after": {"user": user.email, "role": role}},
    )
    return member


def add_member_by_email(
    workspace: Workspace, email: str, *, role: str, actor: User
) -> WorkspaceMember:
    """Add the account with ``email`` as an editor or viewer of an open workspace."""
    if role not in MEMBER_ROLES:
        raise WorkspaceRuleError("Choose editor or viewer.", field="role")
    _lock_open(workspace)
    user = find_user_by_email(email)
    if user is None:
        raise WorkspaceRuleError(f"No account has the email {email}.", field="email")
    return add_member(workspace, user, role=role, actor=actor)


def _non_owner(member: WorkspaceMember, verb: str) -> WorkspaceMember:
    """Lock the workspace, reload ``member`` and refuse if they own the workspace."""
    workspace = member.workspace
    _lock_open(workspace)
    member = _reload(member)
    if member.role == "owner" or member.user_id == workspace.owner_id:
        raise WorkspaceRuleError(
            f"{member.user.email} owns this workspace and cannot be {verb}: "
            "transfer ownership first."
        )
    return member


def change_member_role(member: WorkspaceMember, role: str, *, actor: User) -> None:
    """Make a member an editor or a viewer (never the owner: see transfer_ownership)."""
    if role not in MEMBER_ROLES:
        raise WorkspaceRuleError("Choose editor or viewer.", field="role")
    member = _non_owner(member, "demoted")
    email, before = member.user.email, member.role
    if before == role:
        raise WorkspaceRuleError(f"{email} is already {AS_WORDS[role]}.")
    member.role = role
    _saved()
    audit.record(
        audit.Action.WORKSPACE_MEMBER_ROLE_CHANGED,
        target=member,
        actor=actor,
        details={"user": email, "before": {"role": before}, "after": {"role": role}},
    )


def remove_member(member: WorkspaceMember, *, actor: User) -> None:
    """Take a member out of the workspace (never the owner)."""
    member = _non_owner(member, "removed")
    email, member_id, role = member.user.email, member.id, member.role
    workspace_id = member.workspace_id
    db.session.delete(member)
    _saved()
    audit.record(
        audit.Action.WORKSPACE_MEMBER_REMOVED,
        target_type="workspace_member",
        target_id=member_id,
        workspace_id=workspace_id,
        actor=actor,
        details={"user": email, "before": {"user": email, "role": role}, "after": None},
    )


def transfer_ownership(workspace: Workspace, member: WorkspaceMember, *, actor: User) -> None:
    """Make a member who is a PI the owner; the previous owner stays on as an editor."""
    _lock_open(workspace)
    member = _reload(member)
    new_owner, old_owner, before_role = member.user, workspace.owner, member.role
    new, old = new_owner.email, old_owner.email
    if member.role == "owner" or new_owner.id == workspace.owner_id:
        raise WorkspaceRuleError(f"{new} already owns this workspace.")
    if not is_eligible_owner(new_owner):
        raise WorkspaceRuleError(f"{new} cannot own a workspace: only an active PI can.")
    previous = membership(old_owner, workspace)
    if previous is not None:
        previous.role = "editor"
    member.role = "owner"
    workspace.owner = new_owner
    workspace.version += 1
    _saved()
    audit.record(
        audit.Action.WORKSPACE_OWNER_CHANGED,
        target=workspace,
        actor=actor,
        details={
            "before": {"owner": old, "roles": {old: "owner", new: before_role}},
            "after": {"owner": new, "roles": {old: "editor", new: "owner"}},
        },
    )
