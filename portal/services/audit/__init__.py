"""The audit trail: ``record()`` (the one audit API), its head, verification, queries, export.

``from portal.services import audit`` then ``audit.record(audit.Action.X, ...)``.
"""

from portal.services.audit.records import GENESIS_HASH, HEAD_ROW_ID, Action, compute_hash, record

__all__ = ["GENESIS_HASH", "HEAD_ROW_ID", "Action", "compute_hash", "record"]
