"""Rendering of the /workspaces pages that several views share: form, detail, members."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from portal.forms import BaseForm
from portal.models import User, Workspace
from portal.pagination import parse_page_request
from portal.security.permissions import Permission
from portal.services.workspaces.access import allows
from portal.services.workspaces.queries import (
    first_members,
    is_eligible_owner,
    list_members,
    member_count,
    recent_models,
    recent_reports,
    sees_all_reports,
)
from portal.web.helpers import signed_in_user
from portal.workspaces.forms import MEMBER_ROLE_CHOICES, MemberAddForm, MemberRoleForm


def form_page(
    form: BaseForm, workspace: Workspace | None = None, status: int = 200, **context: Any
) -> Any:
    """The create or edit form."""
    page = render_template("workspaces/form.html", form=form, workspace=workspace, **context)
    return page, status


def flags(user: User, workspace: Workspace) -> dict[str, bool]:
    """What the user may do here, for the buttons (the views check again)."""
    manages = allows(user, workspace, "manage")
    return {
        "may_manage": manages and not workspace.is_archived,
        "may_unarchive": manages and workspace.is_archived,
        "may_see_history": user.can(Permission.AUDIT_VIEW_ALL)
        or (user.can(Permission.AUDIT_VIEW_OWN) and workspace.owner_id == user.id),
    }


def detail_page(workspace: Workspace) -> Any:
    """A workspace with its first members, newest models and reports."""
    user = signed_in_user()
    return render_template(
        "workspaces/detail.html",
        workspace=workspace,
        members=first_members(workspace),
        member_total=member_count(workspace),
        models=recent_models(workspace) if user.can(Permission.MODELS_VIEW) else None,
        reports=recent_reports(user, workspace),
        all_reports=sees_all_reports(user, workspace),
        **flags(user, workspace),
    )


def members_page(
    workspace: Workspace,
    add_form: MemberAddForm | None = None,
    role_form: MemberRoleForm | None = None,
    status: int = 200,
) -> Any:
    """One page of a workspace's members, with the forms to change them when allowed."""
    user = signed_in_user()
    page_request = parse_page_request(request.args)
    result = list_members(workspace, page_request)
    args = {"per_page": str(page_request.per_page)} if "per_page" in request.args else {}
    candidates = {
        m.id for m in result.page.items if m.role != "owner" and is_eligible_owner(m.user)
    }
    page = render_template(
        "workspaces/members.html",
        workspace=workspace,
        result=result,
        args=args,
        add_form=add_form or MemberAddForm(formdata=None),
        role_form=role_form,
        role_choices=MEMBER_ROLE_CHOICES,
        owner_candidates=candidates,
        **flags(user, workspace),
    )
    return page, status
