"""Workspace scenarios: create, edit, archive, and the members' changes."""

from __future__ import annotations

import json
from typing import Any

from portal.models import Workspace
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory


def _workspace(ctx: Ctx, **values: Any) -> Workspace:
    """Sign in as an Admin; the workspace they change."""
    ctx.admin()
    return WorkspaceFactory(**values)


@scenario("workspaces.new")
def workspaces_new(ctx: Ctx) -> None:
    ctx.admin()
    pi = UserFactory(roles=["PI"], mfa=True)
    data = {"name": "Audit Lab", "slug": "audit-lab", "description": "", "owner_email": pi.email}
    ctx.post("/workspaces/new", data)


@scenario("workspaces.edit")
def workspaces_edit(ctx: Ctx) -> None:
    ws = _workspace(ctx)
    data = {
        "name": ws.name + " renamed",
        "description": "",
        "settings": json.dumps(ws.settings or {}),
        "version": str(ws.version),
    }
    ctx.post(f"/workspaces/{ws.id}/edit", data)


@scenario("workspaces.archive")
def workspaces_archive(ctx: Ctx) -> None:
    ws = _workspace(ctx)
    ctx.post(f"/workspaces/{ws.id}/archive", {"confirmation": ws.slug})


@scenario("workspaces.unarchive")
def workspaces_unarchive(ctx: Ctx) -> None:
    ws = _workspace(ctx, is_archived=True)
    ctx.post(f"/workspaces/{ws.id}/unarchive")


@scenario("workspaces.add_member")
def workspaces_add_member(ctx: Ctx) -> None:
    ws, person = _workspace(ctx), UserFactory(roles=["Researcher"])
    data = {"email": person.email, "role": "editor"}
    ctx.post(f"/workspaces/{ws.id}/members", data, form=f"/workspaces/{ws.id}/members")


@scenario("workspaces.member_role")
def workspaces_member_role(ctx: Ctx) -> None:
    ws = _workspace(ctx)
    member = MemberFactory(workspace=ws, role="viewer")
    path = f"/workspaces/{ws.id}/members/{member.id}/role"
    ctx.post(path, {"role": "editor"}, form=f"/workspaces/{ws.id}/members")


@scenario("workspaces.remove")
def workspaces_remove(ctx: Ctx) -> None:
    ws = _workspace(ctx)
    member = MemberFactory(workspace=ws, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/remove")


@scenario("workspaces.transfer")
def workspaces_transfer(ctx: Ctx) -> None:
    ws = _workspace(ctx)
    pi = UserFactory(roles=["PI"], mfa=True)
    member = MemberFactory(workspace=ws, user=pi, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/transfer", {"confirmation": pi.email})
