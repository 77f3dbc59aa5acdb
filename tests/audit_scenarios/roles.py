"""Role scenarios: create, edit and delete a custom role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.extensions import db
from portal.services.identity.roles import create_role
from tests.audit_scenarios.context import Ctx


def _custom_role(name: str = "Lab Lead") -> Any:
    role = create_role(
        name=name, description="", permissions=["models.view"], requires_mfa=False, actor=None
    )
    db.session.flush()
    return role


def roles_new(ctx: Ctx) -> None:
    ctx.admin()
    data = {"name": "Lab Lead", "description": "Leads a lab", "permissions": ["models.view"]}
    ctx.post("/roles/new", data)


def roles_detail(ctx: Ctx) -> None:
    ctx.admin()
    role = _custom_role()
    data = {
        "name": role.name,
        "description": "Now with reports",
        "permissions": ["models.view", "reports.generate"],
    }
    ctx.post(f"/roles/{role.id}", data)


def roles_delete(ctx: Ctx) -> None:
    ctx.admin()
    role = _custom_role()
    ctx.post(f"/roles/{role.id}/delete", {"confirmation": role.name})
    assert ctx.response.headers["Location"] == "/roles"


# Case id (an endpoint, or "endpoint:variant") → its scenario.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {
    "roles.delete": roles_delete,
    "roles.detail": roles_detail,
    "roles.new": roles_new,
}
