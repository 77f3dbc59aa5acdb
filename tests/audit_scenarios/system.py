"""System scenarios: flush a cache namespace."""

from __future__ import annotations

from tests.audit_scenarios.context import Ctx, scenario


@scenario("system.flush")
def system_flush(ctx: Ctx) -> None:
    ctx.admin()
    ctx.post("/system/cache/dashboard/flush")
    assert ctx.response.headers["Location"] == "/system/cache"
