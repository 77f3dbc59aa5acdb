"""Workspace scenarios: create, edit, archive, and the members' changes."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.audit_scenarios.context import Ctx
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory


def workspaces_new(ctx: Ctx) -> None:
    ctx.admin()
    pi = UserFactory(roles=["PI"], mfa=True)
    data = {"name": "Audit Lab", "slug": "audit-lab", "description": "", "owner_email": pi.email}
    ctx.post("/workspaces/new", data)


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


def workspaces_archive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    ctx.post(f"/workspaces/{ws.id}/archive", {"confirmation": ws.slug})


def workspaces_unarchive(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory(is_archived=True)
    ctx.post(f"/workspaces/{ws.id}/unarchive")


def workspaces_add_member(ctx: Ctx) -> None:
    ctx.admin()
    ws, person = WorkspaceFactory(), UserFactory(roles=["Researcher"])
    data = {"email": person.email, "role": "editor"}
    ctx.post(f"/workspaces/{ws.id}/members", data, form=f"/workspaces/{ws.id}/members")


def workspaces_member_role(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="viewer")
    path = f"/workspaces/{ws.id}/members/{member.id}/role"
    ctx.post(path, {"role": "editor"}, form=f"/workspaces/{ws.id}/members")


def workspaces_remove(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    member = MemberFactory(workspace=ws, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/remove")


def workspaces_transfer(ctx: Ctx) -> None:
    ctx.admin()
    ws = WorkspaceFactory()
    pi = UserFactory(roles=["PI"], mfa=True)
    member = MemberFactory(workspace=ws, user=pi, role="editor")
    ctx.post(f"/workspaces/{ws.id}/members/{member.id}/transfer", {"confirmation": pi.email})


# Case id (an endpoint, or "endpoint:variant") → its scenario.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {
    "workspaces.add_member": workspaces_add_member,
    "workspaces.archive": workspaces_archive,
    "workspaces.edit": workspaces_edit,
    "workspaces.member_role": workspaces_member_role,
    "workspaces.new": workspaces_new,
    "workspaces.remove": workspaces_remove,
    "workspaces.transfer": workspaces_transfer,
    "workspaces.unarchive": workspaces_unarchive,
}
