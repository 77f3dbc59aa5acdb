"""Role scenarios: create, edit and delete a custom role."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.services.identity.roles import create_role
from tests.audit_scenarios.context import Ctx, scenario


def _custom_role(ctx: Ctx, name: str = "Lab Lead") -> Any:
    """Sign in as an Admin; the custom role they change."""
    ctx.admin()
    role = create_role(
        name=name, description="", permissions=["models.view"], requires_mfa=False, actor=None
    )
    db.session.flush()
    return role


@scenario("roles.new")
def roles_new(ctx: Ctx) -> None:
    ctx.admin()
    data = {"name": "Lab Lead", "description": "Leads a lab", "permissions": ["models.view"]}
    ctx.post("/roles/new", data)


@scenario("roles.detail")
def roles_detail(ctx: Ctx) -> None:
    role = _custom_role(ctx)
    data = {
        "name": role.name,
        "description": "Now with reports",
        "permissions": ["models.view", "reports.generate"],
    }
    ctx.post(f"/roles/{role.id}", data)


@scenario("roles.delete")
def roles_delete(ctx: Ctx) -> None:
    role = _custom_role(ctx)
    ctx.post(f"/roles/{role.id}/delete", {"confirmation": role.name})
    assert ctx.response.headers["Location"] == "/roles"
