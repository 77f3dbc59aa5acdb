"""Scenarios of tests/test_audit_completeness.py: one small, valid use of each audited route.

Each scenario builds what the route needs (factories, services), signs in as someone
allowed to do it, and sends ONE request through ``Ctx.post`` (or ``Ctx.send``), which
notes the newest audit ``seq`` just before that request. The test then compares the
audit rows written after that mark with the expected actions.

One module per area; each registers its scenarios in SCENARIOS with ``@scenario(case)``.
"""

from __future__ import annotations

# Imported for their @scenario registrations.
from tests.audit_scenarios import (  # noqa: F401
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
from tests.audit_scenarios.context import SCENARIOS, Ctx, rows_after

__all__ = ["SCENARIOS", "Ctx", "rows_after"]
