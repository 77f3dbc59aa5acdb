"""User administration scenarios: create, edit and the confirmed actions on a user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.models import User
from portal.models.base import utcnow
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import UserFactory, role_named
from tests.users.helpers import make_session


@scenario("users.new")
def users_new(ctx: Ctx) -> None:
    ctx.admin()
    data = {
        "name": "Nia New",
        "email": "nia.new@example.org",
        "roles": [str(role_named("Viewer").id)],
        "credential": "link",
    }
    ctx.post("/users/new", data)
    assert ctx.response.status_code == 201


def _target(ctx: Ctx, *roles: str, **values: Any) -> User:
    """Sign in as an Admin; the user they act on (a Viewer unless ``roles`` say else)."""
    ctx.admin()
    return UserFactory(roles=list(roles or ["Viewer"]), **values)


@scenario("users.edit")
def users_edit(ctx: Ctx) -> None:
    target = _target(ctx, name="Old Name")
    data = {"name": "New Name", "email": target.email, "version": str(target.version)}
    ctx.post(f"/users/{target.id}/edit", data)


@scenario("users.deactivate")
def users_deactivate(ctx: Ctx) -> None:
    target = _target(ctx)
    make_session(target)
    ctx.post(f"/users/{target.id}/deactivate", {"confirmation": target.email})


@scenario("users.reactivate")
def users_reactivate(ctx: Ctx) -> None:
    ctx.post(f"/users/{_target(ctx, is_active=False).id}/reactivate")


@scenario("users.unlock")
def users_unlock(ctx: Ctx) -> None:
    locked_until = utcnow() + timedelta(minutes=10)
    target = _target(ctx, failed_login_count=3, lockout_count=1, locked_until=locked_until)
    ctx.post(f"/users/{target.id}/unlock")


@scenario("users.reset_mfa")
def users_reset_mfa(ctx: Ctx) -> None:
    ctx.post(f"/users/{_target(ctx, mfa=True).id}/reset-mfa")


@scenario("users.revoke_sessions")
def users_revoke_sessions(ctx: Ctx) -> None:
    target = _target(ctx)
    make_session(target)
    ctx.post(f"/users/{target.id}/revoke-sessions")


@scenario("users.roles")
def users_roles(ctx: Ctx) -> None:
    target = _target(ctx)
    data = {"role_id": str(role_named("Analyst").id), "action": "grant"}
    ctx.post(f"/users/{target.id}/roles", data, form=f"/users/{target.id}")


@scenario("users.revoke")
def users_revoke(ctx: Ctx) -> None:
    target = _target(ctx, "Viewer", "Analyst")
    ctx.post(f"/users/{target.id}/roles/{role_named('Analyst').id}/revoke")


@scenario("users.password_link")
def users_password_link(ctx: Ctx) -> None:
    ctx.post(f"/users/{_target(ctx).id}/password-link")
    assert "/account/set-password/" in ctx.response.get_data(as_text=True)
