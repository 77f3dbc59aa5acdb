"""Maintenance jobs."""

from __future__ import annotations

from typing import Any

from portal.services.audit_integrity import verify_chain


def verify_audit_chain() -> dict[str, Any]:
    """Walk the audit chain in the background; the result is kept on the RQ job."""
    result = verify_chain()
    return {
        "ok": result.ok,
        "rows_checked": result.rows_checked,
        "last_seq": result.last_seq,
        "failed_seq": result.failed_seq,
        "problem": result.problem,
    }
