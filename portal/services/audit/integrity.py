"""Checking and maintaining the audit chain: verify, checkpoint, retention purge."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import current_app
from sqlalchemy import delete, func, select, text

from portal.extensions import db
from portal.models import AuditHead, AuditLog, User
from portal.services import audit
from portal.services.audit.head import Head, make_head, newest_known_head
from portal.services.queueing import enqueue
from portal.services.system.keys import configured_audit_keys


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a chain walk: ok, or the first row that fails and why."""

    ok: bool
    rows_checked: int
    last_seq: int
    failed_seq: int | None = None
    failed_id: str | None = None
    problem: str | None = None


def _walk(batch: int, after_seq: int = 0) -> Iterator[AuditLog]:
    stmt = (
        select(AuditLog)
        .where(AuditLog.seq > after_seq)
        .order_by(AuditLog.seq)
        .execution_options(yield_per=batch)
    )
    yield from db.session.scalars(stmt)


def _current_head() -> tuple[int, str] | None:
    """The head row as committed now (not the session's copy)."""
    row = db.session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == audit.HEAD_ROW_ID)
    ).one_or_none()
    return (row.seq, row.hash) if row is not None else None


class KeySchedule:
    """Which HMAC key each row was written with, from the chain's key-rotation rows.

    Rows before the first rotation row used its ``old_key_id``; the rotation row and the
    rows after it use its ``new_key_id``; and so on. Without rotations: the current key.
    """

    def __init__(self) -> None:
        self.keys = configured_audit_keys()
        stmt = (
            select(AuditLog.seq, AuditLog.details)
            .where(AuditLog.action == audit.Action.AUDIT_KEY_ROTATED)
            .order_by(AuditLog.seq)
        )
        self.rotations = [(seq, d.get("old_key_id"), d.get("new_key_id")) for seq, d in
                          db.session.execute(stmt)]  # fmt: skip
        self.current = current_app.config["AUDIT_HMAC_KEY"].encode()

    def for_seq(self, seq: int) -> bytes | None:
        """The key row ``seq`` must verify with (None when that key is not configured)."""
        for rotation_seq, old_id, _new_id in self.rotations:
            if seq < rotation_seq:
                return self.keys.get(old_id)
        if self.rotations:
            return self.keys.get(self.rotations[-1][2])
        return self.current


def _purge_checkpoint(first: AuditLog) -> bool:
    """True when a checkpoint row vouches for the rows before ``first`` having been purged."""
    stmt = select(AuditLog.details).where(AuditLog.action == audit.Action.AUDIT_CHECKPOINT)
    for details in db.session.scalars(stmt):
        if (
            details.get("purged_through_seq") == first.seq - 1
            and details.get("purged_through_hash") == first.prev_hash
        ):
            return True
    return False


def verify_chain(batch: int = 2000, heads: list[Head] | None = None) -> VerifyResult:
    """Walk the trail in ``seq`` order (bounded memory) and name the first row that fails.

    Catches changed, deleted, reordered and forged rows, rows purged without a
    checkpoint, and the newest rows deleted (against ``audit_head`` and the newest head
    recorded outside the database, plus any ``heads`` given).
    """
    keys = KeySchedule()
    expected_prev, expected_seq, checked = audit.GENESIS_HASH, 1, 0
    hashes_at: dict[int, str] = {}
    external = newest_known_head(heads)

    def check(row: AuditLog) -> VerifyResult | None:
        """Advance the walk by one row, or say what is wrong with it."""
        nonlocal expected_prev, expected_seq, checked
        problem = None
        if checked == 0 and row.seq != 1:
            if _purge_checkpoint(row):
                expected_prev, expected_seq = row.prev_hash, row.seq
            else:
                problem = (
                    f"rows before seq {row.seq} are missing and no purge checkpoint covers them"
                )
        if problem is None and row.seq != expected_seq:
            problem = f"expected seq {expected_seq}, found {row.seq} (rows missing or reordered)"
        elif problem is None and row.prev_hash != expected_prev:
            problem = "prev_hash does not match the previous row (row removed or reordered)"
        elif problem is None:
            key = keys.for_seq(row.seq)
            if key is None:
                problem = (
                    "this row was written with an audit key that is not configured "
                    "(add it to AUDIT_HMAC_KEY_OLD)"
                )
            elif not hmac.compare_digest(row.hash, audit.compute_hash(row, key)):
                problem = "hash does not match the row's content (row changed or forged)"
        if problem:
            return VerifyResult(False, checked, expected_seq - 1, row.seq, str(row.id), problem)
        if external is not None and row.seq == external.seq:
            hashes_at[row.seq] = row.hash
        expected_prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        db.session.expunge(row)
        return None

    for row in _walk(batch):
        if (failed := check(row)) is not None:
            return failed
    # Rows committed while the walk ran (each with its head) are followed to the head as
    # it is now; the head is read after the rows, so it is never behind them.
    head = _current_head()
    while head is not None and head[0] > expected_seq - 1:
        before = expected_seq
        for row in _walk(batch, after_seq=expected_seq - 1):
            if (failed := check(row)) is not None:
                return failed
        if expected_seq == before:
            break  # the head names rows that are not there
        head = _current_head()
    last = expected_seq - 1
    if head is not None and (head[0] != last or head[1] != expected_prev):
        return VerifyResult(
            False, checked, last, head[0], None,
            f"the chain ends at seq {last} but its head row says {head[0]} (newest rows removed)",
        )  # fmt: skip
    if external is not None:
        if external.seq > last:
            return VerifyResult(
                False, checked, last, external.seq, None,
                f"the chain ends at seq {last} but a head at seq {external.seq} was recorded "
                f"on {external.at} (newest rows removed)",
            )  # fmt: skip
        if external.seq in hashes_at and hashes_at[external.seq] != external.hash:
            return VerifyResult(
                False, checked, last, external.seq, None,
                f"row {external.seq} differs from the head recorded on {external.at} "
                "(the chain was rewritten)",
            )  # fmt: skip
    return VerifyResult(True, checked, last)


def current_head() -> Head:
    """A signed head for the chain as it is now (to keep off the machine)."""
    # The head row exists from the first migration on.
    head = cast(AuditHead, db.session.get(AuditHead, audit.HEAD_ROW_ID))
    return make_head(head.seq, head.hash)


@dataclass(frozen=True)
class PurgeResult:
    rows: int
    through_seq: int | None


DEFAULT_PURGE_BATCH = 10_000


def purge_in_batches(
    cutoff: datetime, *, batch_size: int | None = DEFAULT_PURGE_BATCH, actor: User | None = None
) -> Iterator[PurgeResult]:
    """Delete rows older than ``cutoff``, oldest first, ``batch_size`` at a time (None: all
    at once), through the one sanctioned path; yields after each batch for the caller to
    commit it.

    Each batch deletes, then writes a checkpoint row (its last purged seq and hash) and
    records the purge in the same transaction, so after every commit the remaining chain
    verifies: a purge stopped
    half-way is resumed by running it again. The rows to purge are fixed at the start, so
    the batches' own records are never purged with them.
    """
    through = db.session.scalar(
        select(AuditLog.seq)
        .where(AuditLog.created_at < cutoff)
        .order_by(AuditLog.seq.desc())
        .limit(1)
    )
    while through is not None:
        result = _purge_batch(through, batch_size, cutoff, actor)
        if result is None:
            return
        yield result
        if result.through_seq == through:
            return


def _purge_batch(
    through: int, batch_size: int | None, cutoff: datetime, actor: User | None
) -> PurgeResult | None:
    """One batch: the oldest rows up to ``through``, at most ``batch_size`` of them."""
    upto = select(AuditLog.seq, AuditLog.hash).where(AuditLog.seq <= through)
    end = None
    if batch_size is not None:
        end = db.session.execute(
            upto.order_by(AuditLog.seq).offset(batch_size - 1).limit(1)
        ).first()
    if end is None:  # fewer rows than a batch are left
        end = db.session.execute(upto.order_by(AuditLog.seq.desc()).limit(1)).first()
    if end is None:
        return None
    seq, hash_ = end
    if db.engine.dialect.name == "postgresql":
        # The append-only trigger lets this transaction (and only it) delete.
        db.session.execute(text("SET LOCAL omniscope.audit_purge = 'on'"))
    count = db.session.scalar(select(func.count()).where(AuditLog.seq <= seq)) or 0
    db.session.execute(delete(AuditLog).where(AuditLog.seq <= seq))
    # Recorded after the delete, in the same transaction: the chain's head is locked (and
    # other writers wait) only for these two rows and the commit, not for the delete.
    audit.record(
        audit.Action.AUDIT_CHECKPOINT,
        actor=actor,
        target_type="audit",
        details={"purged_through_seq": seq, "purged_through_hash": hash_, "rows": count},
    )
    audit.record(
        audit.Action.AUDIT_PURGED,
        actor=actor,
        target_type="audit",
        details={"before": cutoff, "rows": count, "through_seq": seq},
    )
    return PurgeResult(count, seq)


VERIFY_JOB = "portal.jobs.maintenance.verify_audit_chain"


def queue_verification(actor: User) -> str | None:
    """Queue a walk of the whole chain (an RQ job, audited when it ends); its job id, or None
    when the queue is unreachable."""
    return enqueue("default", VERIFY_JOB, str(actor.id), job_timeout=3600, result_ttl=86400)
