"""/workspaces: workspaces and membership.

Anyone signed in lists and opens the workspaces they may see (members their own, Admin
all). Creating needs ``workspaces.create``; editing, archiving and member changes need
``workspaces.manage`` and the right on that workspace (its owner PI, or Admin).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal.extensions import db
from portal.models import Workspace, WorkspaceMember
from portal.security.permissions import Access, Permission
from portal.services.errors import RuleError
from portal.services.workspaces.access import get_workspace_for, manages_all
from portal.services.workspaces.changes import (
    AS_WORDS,
    add_member_by_email,
    change_member_role,
    new_workspace,
    remove_member,
    set_archived,
    transfer_ownership,
    update_workspace,
)
from portal.services.workspaces.errors import WorkspaceConflictError
from portal.services.workspaces.queries import is_eligible_owner, list_workspaces, member_of
from portal.web.access import require
from portal.web.confirm import confirm, load_confirmations
from portal.web.helpers import committing, form_status, refuse_on_form, signed_in_user
from portal.web.lists import list_page
from portal.workspaces.cursor import describe_cursor
from portal.workspaces.forms import (
    MemberAddForm,
    MemberRoleForm,
    WorkspaceCreateForm,
    WorkspaceEditForm,
    WorkspaceFilterForm,
)
from portal.workspaces.pages import detail_page, form_page, members_page

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")
STEPS = load_confirmations(Path(__file__).with_name("confirmations.toml"))


@bp.context_processor
def template_helpers() -> dict[str, object]:
    """Helpers for this area's templates."""
    return {"describe_cursor": describe_cursor}


def _viewable(workspace_id: uuid.UUID) -> Workspace:
    """The workspace if the user may see it (404 otherwise)."""
    return get_workspace_for(signed_in_user(), workspace_id, "view")


def _managed(workspace_id: uuid.UUID, *, allow_archived: bool = False) -> Workspace:
    """The workspace if the user may manage it: 404 / 403, and 409 when archived."""
    return get_workspace_for(
        signed_in_user(), workspace_id, "manage", allow_archived=allow_archived
    )


def _member(workspace: Workspace, member_id: uuid.UUID) -> WorkspaceMember:
    """The membership ``member_id`` of this workspace (404 for another workspace's)."""
    member = member_of(workspace, member_id)
    if member is None:
        abort(404)
    return member


def _to(endpoint: str, workspace_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for(endpoint, workspace_id=workspace_id), 303)


@bp.get("")
@require(Access.SIGNED_IN)
def index() -> ResponseReturnValue:
    """Search, filter and page through the workspaces the user may see."""
    form = WorkspaceFilterForm(formdata=request.args)
    return list_page(
        "workspaces/index.html",
        form,
        lambda page: list_workspaces(signed_in_user(), form.filters(), page, **form.ordering()),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.WORKSPACES_CREATE)
def new() -> ResponseReturnValue:
    """Create a workspace: an Admin names the owning PI; a PI owns what they create."""
    actor = signed_in_user()
    form = WorkspaceCreateForm()
    if not manages_all(actor):
        del form.owner_email
    elif not form.is_submitted() and is_eligible_owner(actor):
        form.owner_email.data = actor.email
    if not form.validate_on_submit():
        return form_page(form, status=form_status())
    try:
        workspace = new_workspace(**form.values(), actor=actor)
    except RuleError as exc:
        refuse_on_form(form, exc)  # shown on the form: a 400, even for a clash just now
        return form_page(form, status=400)
    db.session.commit()
    flash(f"Created {workspace.name}.", "success")
    return _to("workspaces.detail", workspace.id)


@bp.get("/<uuid:workspace_id>")
@require(Access.SIGNED_IN)
def detail(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """A workspace: its members, newest models and reports, and a link to its history."""
    return detail_page(_viewable(workspace_id))


@bp.route("/<uuid:workspace_id>/edit", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def edit(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Change name, description and settings (refused if someone changed them meanwhile)."""
    workspace = _managed(workspace_id)
    form = WorkspaceEditForm(obj=workspace)
    if not form.validate_on_submit():
        return form_page(form, workspace, form_status())
    try:
        changed = update_workspace(workspace, **form.values(), actor=signed_in_user())
    except WorkspaceConflictError as exc:
        status = refuse_on_form(form, exc)  # the rollback reloads the workspace as it is now
        form.rebase(workspace.version)
        return form_page(form, workspace, status, conflict=True)
    db.session.commit()
    flash(f"Saved {workspace.name}." if changed else "Nothing changed.", "success")
    return _to("workspaces.detail", workspace_id)


@bp.route("/<uuid:workspace_id>/archive", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def archive(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Archive a workspace (typing its short name): it becomes read-only."""
    workspace = _managed(workspace_id)
    back = url_for("workspaces.detail", workspace_id=workspace.id)
    step = STEPS["archive"].filled(back=back, name=workspace.name, slug=workspace.slug)
    return confirm(step, lambda: set_archived(workspace, True, actor=signed_in_user()))


@bp.route("/<uuid:workspace_id>/unarchive", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def unarchive(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Open an archived workspace for changes again."""
    workspace = _managed(workspace_id, allow_archived=True)
    step = STEPS["unarchive"].filled(
        back=url_for("workspaces.detail", workspace_id=workspace.id), name=workspace.name
    )
    return confirm(step, lambda: set_archived(workspace, False, actor=signed_in_user()))


@bp.get("/<uuid:workspace_id>/members")
@require(Access.SIGNED_IN)
def members(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """A workspace's members with their roles and last positions (the forms if allowed)."""
    return members_page(_viewable(workspace_id))


@bp.post("/<uuid:workspace_id>/members")
@require(Permission.WORKSPACES_MANAGE)
def add_member(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Add a person by email as an editor or a viewer."""
    workspace = _managed(workspace_id)
    form = MemberAddForm()
    if not form.validate_on_submit():
        return members_page(workspace, add_form=form, status=400)
    try:
        member = add_member_by_email(
            workspace, form.email.data, role=form.role.data, actor=signed_in_user()
        )
    except RuleError as exc:
        refuse_on_form(form, exc)  # shown on the form: a 400, even for a clash just now
        return members_page(workspace, add_form=form, status=400)
    db.session.commit()
    flash(f"{member.user.email} joined {workspace.name} as {member.role}.", "success")
    return _to("workspaces.members", workspace_id)


@bp.post("/<uuid:workspace_id>/members/<uuid:member_id>/role")
@require(Permission.WORKSPACES_MANAGE)
def member_role(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Make a member an editor or a viewer."""
    workspace = _managed(workspace_id)
    member = _member(workspace, member_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        return members_page(workspace, role_form=form, status=400)
    email, role = member.user.email, form.role.data
    with committing() as outcome:
        change_member_role(member, role, actor=signed_in_user())
    if outcome.ok:
        flash(f"{email} is now {AS_WORDS[role]}.", "success")
    return _to("workspaces.members", workspace_id)


@bp.route("/<uuid:workspace_id>/members/<uuid:member_id>/remove", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def remove(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Remove a member (never the owner), after confirmation."""
    workspace = _managed(workspace_id)
    member = _member(workspace, member_id)
    back = url_for("workspaces.members", workspace_id=workspace.id)
    step = STEPS["remove_member"].filled(back=back, name=workspace.name, email=member.user.email)
    return confirm(step, lambda: remove_member(member, actor=signed_in_user()))


@bp.route("/<uuid:workspace_id>/members/<uuid:member_id>/transfer", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def transfer(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Make a member who is a PI the owner (typing their email); the old owner edits on."""
    workspace = _managed(workspace_id)
    member = _member(workspace, member_id)
    step = STEPS["transfer"].filled(
        back=url_for("workspaces.members", workspace_id=workspace.id),
        name=workspace.name,
        email=member.user.email,
        owner=workspace.owner.email,
    )
    return confirm(step, lambda: transfer_ownership(workspace, member, actor=signed_in_user()))
