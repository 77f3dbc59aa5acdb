"""System scenarios: flush a cache namespace."""

from __future__ import annotations

from collections.abc import Callable

from tests.audit_scenarios.context import Ctx


def system_flush(ctx: Ctx) -> None:
    ctx.admin()
    ctx.post("/system/cache/dashboard/flush")
    assert ctx.response.headers["Location"] == "/system/cache"


# Case id (an endpoint, or "endpoint:variant") → its scenario.


# Case id (an endpoint, or "endpoint:variant") → its scenario.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {
    "system.flush": system_flush,
}
