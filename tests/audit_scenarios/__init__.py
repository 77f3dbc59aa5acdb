"""Scenarios of tests/test_audit_completeness.py: one small, valid use of each audited route.

Each scenario builds what the route needs (factories, services), signs in as someone
allowed to do it, and sends ONE request through ``Ctx.post`` (or ``Ctx.send``), which
notes the newest audit ``seq`` just before that request. The test then compares the
audit rows written after that mark with the expected actions.

One module per area; SCENARIOS gathers them all (a case id stands in one area only).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.audit_scenarios import (
    account,
    audit,
    auth,
    plugins,
    registry,
    reports,
    roles,
    system,
    users,
    workspaces,
)
from tests.audit_scenarios.context import Ctx, rows_after

AREAS = (auth, account, users, roles, workspaces, registry, reports, plugins, audit, system)

# Case id (an endpoint, or "endpoint:variant") → its scenario.
SCENARIOS: dict[str, Callable[[Ctx], None]] = {}
for _area in AREAS:
    assert not set(_area.SCENARIOS) & set(SCENARIOS), _area.__name__
    SCENARIOS.update(_area.SCENARIOS)

__all__ = ["SCENARIOS", "Ctx", "rows_after"]
