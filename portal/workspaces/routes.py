"""/workspaces: workspaces and membership.

Anyone signed in lists and opens the workspaces they may see (members their own, Admin
all). Creating needs ``workspaces.create``; editing, archiving and member changes need
``workspaces.manage`` and the right on that workspace (its owner PI, or Admin).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, Conflict

from portal.extensions import db
from portal.pagination import parse_page_request
from portal.security.permissions import Access, Permission, require
from portal.services.workspaces.access import manages_all
from portal.services.workspaces.changes import (
    AS_WORDS,
    add_member_by_email,
    change_member_role,
    new_workspace,
    update_workspace,
)
from portal.services.workspaces.errors import (
    WorkspaceArchivedError,
    WorkspaceConflictError,
    WorkspaceRuleError,
)
from portal.services.workspaces.queries import is_eligible_owner, list_workspaces
from portal.workspaces.cursor import describe_cursor
from portal.workspaces.forms import (
    MemberAddForm,
    MemberRoleForm,
    WorkspaceCreateForm,
    WorkspaceEditForm,
    WorkspaceFilterForm,
)
from portal.workspaces.helpers import (
    acting_user,
    managed,
    member_or_404,
    request_status,
    run_change,
    run_confirmed,
    to_detail,
    to_members,
    viewable,
)
from portal.workspaces.pages import detail_page, field_error, form_page, members_page
from portal.workspaces.steps import archive_step, remove_step, transfer_step, unarchive_step

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")


@bp.context_processor
def template_helpers() -> dict[str, object]:
    """Helpers for this area's templates."""
    return {"describe_cursor": describe_cursor}


@bp.get("")
@require(Access.SIGNED_IN)
def index() -> ResponseReturnValue:
    """Search, filter and page through the workspaces the user may see."""
    form = WorkspaceFilterForm(formdata=request.args)
    if not form.validate():
        raise BadRequest(description=form.first_error())
    page_request = parse_page_request(request.args)
    result = list_workspaces(
        acting_user(),
        form.filters(),
        page_request,
        sort=form.sort.data,
        descending=form.order.data == "desc",
    )
    args = form.link_args()
    if "per_page" in request.args:
        args["per_page"] = str(page_request.per_page)
    return render_template("workspaces/index.html", form=form, result=result, args=args)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.WORKSPACES_CREATE)
def new() -> ResponseReturnValue:
    """Create a workspace: an Admin names the owning PI; a PI owns what they create."""
    actor = acting_user()
    form = WorkspaceCreateForm()
    if not manages_all(actor):
        del form.owner_email
    elif not form.is_submitted() and is_eligible_owner(actor):
        form.owner_email.data = actor.email
    if not form.validate_on_submit():
        return form_page(form, status=request_status())
    try:
        workspace = new_workspace(
            name=form.name.data,
            slug=form.slug.data or None,
            description=form.description.data or "",
            owner_email=form.owner_email.data if "owner_email" in form else None,
            actor=actor,
        )
    except WorkspaceRuleError as exc:
        db.session.rollback()
        field_error(form, exc)
        return form_page(form, status=400)
    db.session.commit()
    flash(f"Created {workspace.name}.", "success")
    return to_detail(workspace.id)


@bp.get("/<uuid:workspace_id>")
@require(Access.SIGNED_IN)
def detail(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """A workspace: its members, newest models and reports, and a link to its history."""
    return detail_page(viewable(workspace_id))


@bp.route("/<uuid:workspace_id>/edit", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def edit(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Change name, description and settings (refused if someone changed them meanwhile)."""
    workspace = managed(workspace_id)
    form = WorkspaceEditForm(obj=workspace)
    if not form.validate_on_submit():
        return form_page(form, workspace, request_status())
    try:
        changed = update_workspace(
            workspace,
            name=form.name.data,
            description=form.description.data or "",
            settings=form.settings.object,
            expected_version=form.version.data,
            actor=acting_user(),
        )
    except WorkspaceConflictError as exc:
        db.session.rollback()  # reloads the workspace as it is now, to show its values
        form.form_errors.append(str(exc))
        form.rebase(workspace.version)
        return form_page(form, workspace, 409, conflict=True)
    except WorkspaceArchivedError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from exc
    db.session.commit()
    flash(f"Saved {workspace.name}." if changed else "Nothing changed.", "success")
    return to_detail(workspace_id)


@bp.route("/<uuid:workspace_id>/archive", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def archive(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Archive a workspace (typing its short name): it becomes read-only."""
    return run_confirmed(archive_step(managed(workspace_id)))


@bp.route("/<uuid:workspace_id>/unarchive", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def unarchive(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Open an archived workspace for changes again."""
    return run_confirmed(unarchive_step(managed(workspace_id, allow_archived=True)))


@bp.get("/<uuid:workspace_id>/members")
@require(Access.SIGNED_IN)
def members(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """A workspace's members with their roles and last positions (the forms if allowed)."""
    return members_page(viewable(workspace_id))


@bp.post("/<uuid:workspace_id>/members")
@require(Permission.WORKSPACES_MANAGE)
def add_member(workspace_id: uuid.UUID) -> ResponseReturnValue:
    """Add a person by email as an editor or a viewer."""
    workspace = managed(workspace_id)
    form = MemberAddForm()
    if not form.validate_on_submit():
        return members_page(workspace, add_form=form, status=400)
    try:
        member = add_member_by_email(
            workspace, form.email.data, role=form.role.data, actor=acting_user()
        )
    except WorkspaceArchivedError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from exc
    except WorkspaceRuleError as exc:
        db.session.rollback()
        field_error(form, exc)
        return members_page(workspace, add_form=form, status=400)
    db.session.commit()
    flash(f"{member.user.email} joined {workspace.name} as {member.role}.", "success")
    return to_members(workspace_id)


@bp.post("/<uuid:workspace_id>/members/<uuid:member_id>/role")
@require(Permission.WORKSPACES_MANAGE)
def member_role(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Make a member an editor or a viewer."""
    workspace = managed(workspace_id)
    member = member_or_404(workspace, member_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        return members_page(workspace, role_form=form, status=400)
    email, role = member.user.email, form.role.data
    if run_change(lambda: change_member_role(member, role, actor=acting_user())):
        flash(f"{email} is now {AS_WORDS[role]}.", "success")
    return to_members(workspace_id)


@bp.route("/<uuid:workspace_id>/members/<uuid:member_id>/remove", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def remove(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Remove a member (never the owner), after confirmation."""
    workspace = managed(workspace_id)
    return run_confirmed(remove_step(workspace, member_or_404(workspace, member_id)))


@bp.route("/<uuid:workspace_id>/members/<uuid:member_id>/transfer", methods=["GET", "POST"])
@require(Permission.WORKSPACES_MANAGE)
def transfer(workspace_id: uuid.UUID, member_id: uuid.UUID) -> ResponseReturnValue:
    """Make a member who is a PI the owner (typing their email); the old owner edits on."""
    workspace = managed(workspace_id)
    return run_confirmed(transfer_step(workspace, member_or_404(workspace, member_id)))
