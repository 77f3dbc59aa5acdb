"""The audit API: one transaction with the change, a gap-free HMAC chain, append-only."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import AuditHead, AuditLog
from portal.services import audit
from tests.factories import UserFactory


def _record_some(n: int = 5) -> list[AuditLog]:
    user = UserFactory()
    return [audit.record("test.event", target=user, actor=user, details={"i": i}) for i in range(n)]


def test_rows_are_chained_in_seq_order(app_ctx):
    rows = _record_some()
    seqs = [r.seq for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    for previous, row in itertools.pairwise(rows):
        assert row.prev_hash == previous.hash
        assert row.hash == audit.compute_hash(row)
    head = db.session.get(AuditHead, 1)
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    assert audit.verify_chain().ok


def test_record_shares_the_callers_transaction(app_ctx):
    before = db.session.get(AuditHead, 1).seq
    savepoint = db.session.begin_nested()
    user = UserFactory()
    audit.record("test.event", target=user, actor=user)
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.get(AuditHead, 1).seq == before
    assert db.session.query(AuditLog).filter_by(action="test.event").count() == 0


def test_secrets_never_reach_details(app_ctx):
    row = audit.record(
        "test.event",
        actor=None,
        details={"password": "hunter2", "nested": {"code": "123456", "token": "t"}, "ok": 1},
    )
    assert row.details == {"nested": {}, "ok": 1}


def test_verify_names_a_changed_row(app_ctx):
    rows = _record_some()
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(
        text("UPDATE audit_logs SET details = '{\"i\": 99}' WHERE id = :id"), {"id": rows[2].id}
    )
    db.session.expire_all()
    result = audit.verify_chain()
    assert not result.ok
    assert result.failed_seq == rows[2].seq
    assert "content" in result.problem


def test_verify_names_a_gap_where_a_row_was_deleted(app_ctx):
    rows = _record_some()
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(text("DELETE FROM audit_logs WHERE id = :id"), {"id": rows[1].id})
    db.session.expire_all()
    result = audit.verify_chain()
    assert not result.ok and result.failed_seq == rows[2].seq


def test_verify_notices_the_newest_rows_removed(app_ctx):
    rows = _record_some()
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(text("DELETE FROM audit_logs WHERE seq >= :s"), {"s": rows[3].seq})
    db.session.expire_all()
    result = audit.verify_chain()
    assert not result.ok and "newest rows removed" in result.problem


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_logs SET action = 'x'",
        "DELETE FROM audit_logs",
        "TRUNCATE audit_logs",
    ],
)
def test_postgres_refuses_changes_to_the_trail(app_ctx, statement):
    _record_some(1)
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    savepoint.rollback()


def test_purge_setting_allows_delete_only(app_ctx):
    _record_some(2)
    db.session.execute(text("SET LOCAL omniscope.audit_purge = 'on'"))
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_logs SET action = 'x'"))
    savepoint.rollback()
    deleted = db.session.execute(text("DELETE FROM audit_logs WHERE action = 'test.event'"))
    assert deleted.rowcount == 2
