"""Audit writes under concurrency: gap-free seq and a valid chain; the head kept outside."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog
from portal.services import audit
from portal.services.audit.head import read_file_head, read_redis_head
from portal.services.audit.integrity import verify_chain

THREADS, EACH = 8, 25


@pytest.mark.committed
def test_parallel_writers_keep_the_chain_gap_free(app):
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with app.app_context():
                    audit.record("test.concurrent", actor=None, details={"thread": n, "i": i})
                    db.session.commit()
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        seqs = list(db.session.scalars(select(AuditLog.seq).order_by(AuditLog.seq)))
        assert seqs == list(range(1, THREADS * EACH + 1))
        assert verify_chain().ok
        last = db.session.scalar(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1))
        # Every commit published its head: the newest wins in Redis; the file (written at
        # most once a second per process) holds a valid, earlier or equal one.
        head = read_redis_head()
        assert head is not None and (head.seq, head.hash) == (last.seq, last.hash)
        on_disk = read_file_head()
        assert on_disk is not None and 1 <= on_disk.seq <= last.seq
