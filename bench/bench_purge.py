"""The retention purge in batches, at 2,000,000 audit rows: total time, the longest
transaction, and what it costs concurrent audited writes.

    .venv/bin/python -m bench.bench_purge [--rows 2000000] [--purge 1000000] [--batch-size 10000]

Builds database omniscope_bench_purge (COPY, a valid HMAC chain, 10,000 users), then in
one process: a writer thread records audit rows one transaction each (as every mutating
request does) for a while without a purge, then the purge of the oldest ``--purge`` rows
runs batch by batch (each batch committed, as ``flask audit purge`` does) while the
writer goes on; it prints the writes' p50/p99 both ways, the purge's total time and its
longest batch transaction, and whether the chain still verifies.
"""

from __future__ import annotations

import argparse
import threading
import time

from bench import datagen
from bench.harness import p50, print_table

HMAC_KEY = "dev-only-audit-hmac-key-change-me"  # the portal's development default


def _p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _app(url: str):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
            "REDIS_URL": "memory://",
            "RQ_WORKER_THREAD": False,
            "AUDIT_HMAC_KEY": HMAC_KEY,
        }
    )


def _write_for(app, stop: threading.Event, latencies: list[float]) -> None:
    """One audited write per transaction until ``stop``, each timed (ms)."""
    from portal.extensions import db
    from portal.services import audit

    with app.app_context():
        while not stop.is_set():
            started = time.perf_counter()
            audit.record("bench.write", actor=None, details={"n": len(latencies)})
            db.session.commit()
            latencies.append((time.perf_counter() - started) * 1000)


def _writes(app, seconds: float) -> list[float]:
    stop, latencies = threading.Event(), []
    writer = threading.Thread(target=_write_for, args=(app, stop, latencies))
    writer.start()
    time.sleep(seconds)
    stop.set()
    writer.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--purge", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    url = datagen.recreate_database("omniscope_bench_purge")
    datagen.load_users(url, 10_000)
    datagen.load_audit(url, args.rows, HMAC_KEY)
    print(f"loaded {args.rows:,} audit rows in {time.perf_counter() - started:.1f} s")

    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import AuditLog
    from portal.services.audit.integrity import purge_in_batches, verify_chain

    app = _app(url)
    with app.app_context():
        cutoff = db.session.scalar(
            select(AuditLog.created_at).where(AuditLog.seq == args.purge + 1)
        )
    quiet = _writes(app, args.baseline_seconds)

    stop, during, batches = threading.Event(), [], []
    writer = threading.Thread(target=_write_for, args=(app, stop, during))
    writer.start()
    with app.app_context():
        purge_started = batch_started = time.perf_counter()
        purged = 0
        for result in purge_in_batches(cutoff, batch_size=args.batch_size):
            db.session.commit()
            now = time.perf_counter()
            batches.append((now - batch_started) * 1000)
            batch_started, purged = now, purged + result.rows
        total = time.perf_counter() - purge_started
    stop.set()
    writer.join()
    with app.app_context():
        verified = verify_chain()

    print(
        f"\npurged {purged:,} of {args.rows:,} rows in {len(batches)} batches of "
        f"{args.batch_size:,}; chain verifies: {verified.ok} "
        f"({verified.rows_checked:,} rows)\n"
    )
    print_table(
        ["measure", "value"],
        [
            ["purge, total", f"{total:.1f} s"],
            ["longest batch transaction", f"{max(batches):.0f} ms"],
            ["median batch transaction", f"{p50(batches):.0f} ms"],
        ],
    )
    print()
    print_table(
        ["concurrent audited writes", "writes", "p50 ms", "p99 ms", "max ms"],
        [
            ["without a purge", len(quiet), f"{p50(quiet):.2f}", f"{_p99(quiet):.2f}",
             f"{max(quiet):.2f}"],
            ["during the purge", len(during), f"{p50(during):.2f}", f"{_p99(during):.2f}",
             f"{max(during):.2f}"],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
