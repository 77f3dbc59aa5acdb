"""CSV export of audit rows: the portal's export job path vs PostgreSQL's own COPY … TO STDOUT.

    .venv/bin/python -m bench.bench_export [--rows 1000000]

Runs against database omniscope_bench_audit (made by bench.bench_audit; at least --rows
audit rows). Each measurement runs in a fresh process that reports its wall time and
peak memory (RSS), so "constant memory" is visible: the export of 1,000,000 rows should
need about what 100,000 need.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench import datagen
from bench.harness import print_table

DB = "omniscope_bench_audit"


def _portal_export(rows: int, out_dir: str) -> dict:
    """The export job's code path (filters → server-side cursor → CSV file), in-process."""
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.models import AuditLog, User
    from portal.services.audit.export import audit_export_rows
    from portal.services.reports.files import write_rows
    from portal.services.reports.params import ReportParams
    from portal.services.reports.rows import RunContext

    url = datagen.database_url(DB).replace("postgresql://", "postgresql+psycopg://")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "memory://",
                      "RQ_WORKER_THREAD": False, "PORTAL_INSTANCE_DIR": out_dir})  # fmt: skip
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "bench-admin@example.org"))
        last = db.session.scalar(
            select(AuditLog.seq).order_by(AuditLog.seq).offset(rows - 1).limit(1)
        )
        day = db.session.scalar(select(AuditLog.created_at).where(AuditLog.seq == last))
        # A date filter that ends where the first ``rows`` rows end (whole days: approximate).
        params = ReportParams(filters=(("date_to", day.date().isoformat()),))
        started = time.perf_counter()
        report_id = uuid.uuid4()
        built = audit_export_rows(RunContext(report_id, admin, params, 1))
        count = write_rows(
            report_id, built.header, built.chunks, lambda done, p: None, "csv", raw=built.raw
        )
        elapsed = time.perf_counter() - started
        size = next(Path(out_dir, "reports").glob("*.csv")).stat().st_size
    return {"rows": count, "seconds": elapsed, "bytes": size}


def _copy(rows: int, out_dir: str) -> dict:
    """PostgreSQL's COPY of the same columns to a file, through psycopg."""
    from portal.services.audit.export import HEADER

    target = Path(out_dir, "copy.csv")
    sql = (
        f"COPY (SELECT {', '.join(HEADER)} FROM audit_logs ORDER BY seq LIMIT {rows}) "
        "TO STDOUT WITH (FORMAT csv, HEADER)"
    )
    started = time.perf_counter()
    with (
        psycopg.connect(datagen.database_url(DB)) as conn,
        target.open("wb") as out,
        conn.cursor().copy(sql) as copy,
    ):
        for data in copy:
            out.write(data)
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": target.stat().st_size}


def _child(mode: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as out_dir:
        result = (_portal_export if mode == "portal" else _copy)(rows, out_dir)
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(mode: str, rows: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_export", "--child", mode, "--rows", str(rows)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["portal", "copy"])
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.rows)
        return
    table = []
    for rows in (args.rows // 10, args.rows):
        copy = _measure("copy", rows)
        portal = _measure("portal", rows)
        speed, copy_speed = portal["rows"] / portal["seconds"], copy["rows"] / copy["seconds"]
        table.append([
            f"{rows:,}", f"{portal['rows']:,}", portal["seconds"], f"{speed:,.0f}",
            portal["max_rss_mb"], copy["seconds"], f"{copy_speed:,.0f}",
            f"{speed / copy_speed:.2f}",
        ])  # fmt: skip
    print_table(
        ["target rows", "exported", "export s", "export rows/s", "export peak RSS MB",
         "COPY s", "COPY rows/s", "export/COPY speed"],
        table,
    )  # fmt: skip


if __name__ == "__main__":
    main()
