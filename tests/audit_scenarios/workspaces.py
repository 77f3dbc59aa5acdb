"""Workspace scenarios: create, edit, archive, and the members' changes."""

from __future__ import annotations

import json

from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory


@scenario("workspaces.new")
def workspaces_new(ctx: Ctx) -> None:
    ctx.admin()
    pi = UserFactory(roles=["PI"], mfa=True)
    data = {"name": "Audit Lab", "slug": "audit-lab", "description": "", "owner_email": pi.email}
    ctx.post("/workspaces/new", data)


@scenario("workspaces.edit")
def workspaces_edit(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    data = {
        "name": ws.name + " renamed",
        "description": "",
        "settings": json.dumps(ws.settings or {}),
        "version": str(ws.version),
    }
    ctx.post(f"/workspaces/{ws.id}/edit", data)


@scenario("workspaces.archive")
def workspaces_archive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    ctx.post(f"/workspaces/{ws.id}/archive", {"confirmation": ws.slug})


@scenario("workspaces.unarchive")
def workspaces_unarchive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory(is_archived=True)
    ctx.post(f"/workspaces/{ws.id}/unarchive")


@scenario("workspaces.add_member")
def workspaces_add_member(ctx: Ctx) -> None:
    ctx.admin()
    ws, person = WorkspaceFactory(), UserFactory(roles=["Researcher"])
    data = {"email": person.email, "role": "editor"}
    ctx.post(f"/workspaces/{ws.id}/members", data, form=f"/workspaces/{ws.id}/members")


@scenario("workspaces.member_role")
def workspaces_member_role(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="viewer")
    path = f"/workspaces/{ws.id}/members/{member.id}/role"
    ctx.post(path, {"role": "editor"}, form=f"/workspaces/{ws.id}/members")


@scenario("workspaces.remove")
def workspaces_remove(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/remove")


@scenario("workspaces.transfer")
def workspaces_transfer(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    pi = UserFactory(roles=["PI"], mfa=True)
    member = MemberFactory(workspace=ws, user=pi, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/transfer", {"confirmation": pi.email})
