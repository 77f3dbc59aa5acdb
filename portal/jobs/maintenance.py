"""Maintenance jobs."""

from __future__ import annotations

import uuid
from typing import Any

from portal.extensions import db
from portal.services import audit
from portal.services.audit.integrity import verify_chain
from portal.services.signin.sign_in import get_user


def verify_audit_chain(requested_by: str | None = None) -> dict[str, Any]:
    """Walk the audit chain in the background; the result is kept on the RQ job."""
    result = verify_chain()
    outcome = {
        "ok": result.ok,
        "rows_checked": result.rows_checked,
        "last_seq": result.last_seq,
        "failed_seq": result.failed_seq,
        "problem": result.problem,
    }
    actor = get_user(uuid.UUID(requested_by)) if requested_by else None
    audit.record(audit.Action.AUDIT_VERIFIED, actor=actor, target_type="audit", details=outcome)
    db.session.commit()
    return outcome
