"""The audit API: one transaction with the change, a gap-free HMAC chain, append-only."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.extensions import db
from portal.models import AuditHead, AuditLog
from portal.services import audit
from portal.services.audit.integrity import verify_chain
from tests.factories import UserFactory
from tests.helpers.pages import csrf_token_from


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
    assert verify_chain().ok


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


def _tamper(statement, **params):
    """Run ``statement`` past the append-only trigger, as a superuser could."""
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(text(statement), params)
    db.session.expire_all()


def test_verify_names_a_changed_row(app_ctx):
    rows = _record_some()
    changed = "UPDATE audit_logs SET details = '{\"i\": 99}' WHERE id = :id"
    _tamper(changed, id=rows[2].id)
    result = verify_chain()
    assert not result.ok
    assert result.failed_seq == rows[2].seq
    assert "content" in result.problem


def test_verify_names_a_gap_where_a_row_was_deleted(app_ctx):
    rows = _record_some()
    _tamper("DELETE FROM audit_logs WHERE id = :id", id=rows[1].id)
    result = verify_chain()
    assert not result.ok and result.failed_seq == rows[2].seq


def test_verify_notices_the_newest_rows_removed(app_ctx):
    rows = _record_some()
    _tamper("DELETE FROM audit_logs WHERE seq >= :s", s=rows[3].seq)
    result = verify_chain()
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


def test_verify_names_swapped_rows(app_ctx):
    rows = _record_some()
    (a_id, a_seq), (b_id, b_seq) = (rows[1].id, rows[1].seq), (rows[2].id, rows[2].seq)
    # Swap the two rows' positions: each keeps its content and hash, but not its place.
    _tamper("UPDATE audit_logs SET seq = -1 WHERE id = :id", id=a_id)
    _tamper("UPDATE audit_logs SET seq = :s WHERE id = :id", s=a_seq, id=b_id)
    _tamper("UPDATE audit_logs SET seq = :s WHERE id = :id", s=b_seq, id=a_id)
    result = verify_chain()
    assert not result.ok and result.failed_seq == a_seq


def test_verify_names_a_row_inserted_with_a_forged_hash(app_ctx):
    rows = _record_some()
    forged = rows[2]
    _tamper(
        "UPDATE audit_logs SET actor_email = 'mallory@example.org', hash = :h WHERE id = :id",
        h="f" * 64,
        id=forged.id,
    )
    result = verify_chain()
    assert not result.ok and result.failed_seq == forged.seq
    assert "changed or forged" in result.problem


def test_external_head_catches_newest_rows_removed_with_head_row_fixed(app, app_ctx):
    from portal.services.audit.head import make_head

    rows = _record_some()
    newest, keep = rows[-1].seq, (rows[2].seq, rows[2].hash)
    remembered = make_head(newest, rows[-1].hash)
    _tamper("DELETE FROM audit_logs WHERE seq >= :s", s=rows[3].seq)
    # The attacker also fixes the head row, so the chain agrees with itself.
    _tamper("UPDATE audit_head SET seq = :s, hash = :h", s=keep[0], h=keep[1])
    result = verify_chain(heads=[remembered])
    assert not result.ok
    assert f"a head at seq {newest} was recorded" in result.problem


def test_forged_external_head_is_ignored(app_ctx):
    from portal.services.audit.head import parse_head

    _record_some(2)
    assert parse_head('{"seq": 999, "hash": "x", "at": "now", "signature": "bad"}') is None
    assert verify_chain().ok


def test_purge_leaves_a_verifiable_chain(app_ctx, monkeypatch, audit_rows):
    from datetime import timedelta

    from portal.models.base import utcnow
    from portal.services.audit.integrity import purge_in_batches

    past = utcnow() - timedelta(days=400)
    monkeypatch.setattr(audit.records, "utcnow", lambda: past)  # these rows were written long ago
    old = _record_some(4)
    monkeypatch.undo()
    kept = _record_some(2)
    (result,) = purge_in_batches(utcnow() - timedelta(days=365), batch_size=None)  # one batch
    assert result.rows == old[-1].seq and result.through_seq == old[-1].seq
    remaining = db.session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
    assert remaining[0].seq == old[-1].seq + 1
    assert [r.seq for r in kept] == [r.seq for r in remaining[:2]]
    assert [r.action for r in remaining[-2:]] == ["audit.checkpoint", "audit.purged"]
    checkpoint = remaining[-2].details
    assert checkpoint["purged_through_seq"] == old[-1].seq
    assert checkpoint["purged_through_hash"] == old[-1].hash
    assert verify_chain().ok


def test_a_batched_purge_verifies_after_every_batch_and_resumes(app_ctx, monkeypatch):
    from datetime import timedelta

    from portal.models.base import utcnow
    from portal.services.audit.integrity import purge_in_batches

    past = utcnow() - timedelta(days=400)
    monkeypatch.setattr(audit.records, "utcnow", lambda: past)
    old = _record_some(5)
    monkeypatch.undo()
    kept = _record_some(1)
    cutoff = utcnow() - timedelta(days=365)
    batches = purge_in_batches(cutoff, batch_size=2)
    first = next(batches)
    assert (first.rows, first.through_seq) == (2, old[1].seq)
    assert verify_chain().ok  # stopped after one batch, the chain verifies
    batches.close()
    resumed = list(purge_in_batches(cutoff, batch_size=2))  # the same command, run again
    assert [(r.rows, r.through_seq) for r in resumed] == [(2, old[3].seq), (1, old[4].seq)]
    assert verify_chain().ok
    remaining = db.session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
    assert remaining[0].seq == kept[0].seq == old[-1].seq + 1
    checkpoints = [r for r in remaining if r.action == "audit.checkpoint"]
    assert [c.details["purged_through_seq"] for c in checkpoints] == [
        old[1].seq,
        old[3].seq,
        old[4].seq,
    ]


def test_rows_missing_at_the_start_without_checkpoint_fail(app_ctx):
    first = _record_some(3)[0].seq
    assert first == 1  # each test starts from an empty trail (rolled back)
    _tamper("DELETE FROM audit_logs WHERE seq = 1")
    result = verify_chain()
    assert not result.ok and result.failed_seq == 2
    assert "no purge checkpoint" in result.problem


def test_head_file_is_written_at_once_when_missing_even_within_the_throttle(app_ctx):
    from portal.services.audit.head import publish_head, read_file_head, read_redis_head

    publish_head(10, "a" * 64)
    assert read_file_head().seq == 10
    # Within the same second the file is not rewritten, but Redis has the newest head.
    publish_head(11, "b" * 64)
    assert read_file_head().seq == 10
    assert read_redis_head().seq == 11
    # A deleted file is written again straight away.
    from portal.services.audit.head import head_file

    head_file().unlink()
    publish_head(12, "c" * 64)
    assert read_file_head().seq == 12


def test_head_file_never_moves_backwards(app_ctx, monkeypatch):
    from portal.services.audit import head as audit_head

    monkeypatch.setattr(audit_head, "FILE_INTERVAL", 0.0)
    audit_head.publish_head(20, "d" * 64)
    audit_head.publish_head(19, "e" * 64)
    assert audit_head.read_file_head().seq == 20
    assert audit_head.read_redis_head().seq == 20


def test_a_requests_head_is_published_by_the_background_publisher(app, client, user_factory):
    from portal.services.audit.head import publisher, read_redis_head

    user_factory(email="someone@example.org")
    db.session.commit()
    token = csrf_token_from(client, "/login")
    form = {"csrf_token": token, "email": "someone@example.org", "password": "wrong password!"}
    assert client.post("/login", data=form).status_code == 400
    assert publisher.flush(timeout=5)
    newest = db.session.scalar(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1))
    assert newest.action == "auth.login.failure"
    head = read_redis_head()
    assert head is not None and (head.seq, head.hash) == (newest.seq, newest.hash)


def test_heads_handed_over_together_collapse_into_the_newest(app_ctx, app, redis_client):
    from portal.services.audit.head import REDIS_KEY, publisher, read_redis_head

    for seq in range(100, 120):
        publisher.submit(app, seq, f"{seq:064x}")
    assert publisher.flush(timeout=5)
    assert read_redis_head().seq == 119
    # Far fewer than twenty publications reached Redis: the rest were superseded.
    assert redis_client.zcard(REDIS_KEY) < 20


@pytest.mark.committed
def test_rows_committed_during_a_walk_are_followed_not_reported(app, monkeypatch):
    import threading

    from portal.services.audit import integrity as audit_integrity

    with app.app_context():
        for i in range(5):
            audit.record("test.before", actor=None, details={"i": i})
            db.session.commit()
    original, calls = audit_integrity._walk, []

    def walk(batch, after_seq=0):
        yield from original(batch, after_seq)
        if not calls:  # another process commits three rows just after the first walk
            calls.append(after_seq)

            def write():
                with app.app_context():
                    for i in range(3):
                        audit.record("test.during", actor=None, details={"i": i})
                        db.session.commit()

            writer = threading.Thread(target=write)
            writer.start()
            writer.join()

    monkeypatch.setattr(audit_integrity, "_walk", walk)
    with app.app_context():
        result = audit_integrity.verify_chain()
    assert result.ok, result.problem
    assert result.rows_checked == 8 and result.last_seq == 8
