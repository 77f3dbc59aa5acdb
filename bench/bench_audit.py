"""Audit trail pages at 200,000 and 2,000,000 rows (and the users search at 100,000 users).

    .venv/bin/python -m bench.bench_audit [--sizes 200000,2000000] [--users 100000] [--runs 200]

Builds database omniscope_bench_audit (COPY, a valid HMAC chain), serves the portal and
the floor app with the same gunicorn settings, signs in as an enrolled Admin, and prints
median and p95 latency of each page beside the floor's and the bare SQL's at each size,
then the ratio between the sizes.
"""

from __future__ import annotations

import argparse
import html
import re
import time

from bench import datagen
from bench.bench_users import _captured_sql, _time_sql
from bench.harness import Client, gunicorn, p50, p95, print_table, sample, sign_in

HMAC_KEY = "dev-only-audit-hmac-key-change-me"  # the portal's development default
OLDER = re.compile(r'rel="next" href="([^"]+)"')


def _deep_page(client: Client, hops: int) -> str:
    """Follow "Older" ``hops`` times from the first page, as a person would."""
    path = "/audit"
    for _ in range(hops):
        _, page, _ = client.request("GET", path)
        path = html.unescape(OLDER.search(page).group(1))
    return path


def _captured_audit_sql(url: str, path: str):
    from urllib.parse import parse_qsl, urlsplit

    from sqlalchemy import event

    from bench.floor_app import ALL_SEEING
    from portal import create_app
    from portal.extensions import db
    from portal.pagination import parse_page_request
    from portal.services.audit.queries import AuditFilters, list_events

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                      "postgresql+psycopg://"), "REDIS_URL": "memory://",
                      "RQ_WORKER_THREAD": False})  # fmt: skip
    args = dict(parse_qsl(urlsplit(path).query))
    statements = []
    with app.app_context():
        capture = lambda c, cur, st, params, ctx, many: statements.append((st, params))  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", capture)
        filters = AuditFilters(actor=args.get("actor", ""), action=args.get("action", ""))
        list_events(ALL_SEEING, filters, parse_page_request(args))
        event.remove(db.engine, "before_cursor_execute", capture)
        db.engine.dispose()
    return statements


def measure(url: str, email: str, runs: int, actor: str) -> list[list[object]]:
    rows = []
    with (
        gunicorn("wsgi:app", 8321, url) as portal,
        gunicorn("bench.floor_app:app", 8322, url) as floor,
    ):
        admin = sign_in(portal, email, datagen.BENCH_PASSWORD, datagen.BENCH_TOTP_SECRET)
        floor_client = Client(floor)
        started = time.perf_counter()
        deep = _deep_page(admin, 1000)
        print(f"  followed 'Older' 1,000 times in {time.perf_counter() - started:.1f} s")
        cases = [
            ("audit: first page", "/audit", _captured_audit_sql),
            ("audit: filtered (action=auth.)", "/audit?action=auth.", _captured_audit_sql),
            ("audit: filtered (actor)", f"/audit?actor={actor}", _captured_audit_sql),
            ("audit: after 1,000 x Older", deep, _captured_audit_sql),
            ("users: prefix search (q=grace)", "/users?q=grace", _captured_sql),
        ]
        for label, path, capture in cases:
            status, _, _ = admin.request("GET", path)
            assert status == 200, (label, status)
            page = sample(lambda p=path: admin.request("GET", p), runs)
            base = sample(lambda p=path: floor_client.request("GET", p), runs)
            sql = _time_sql(url, capture(url, path), runs)
            rows.append([label, p50(page), p95(page), p50(base), p95(base), p50(sql),
                         f"{p50(page) / p50(base):.2f}x"])  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200000,2000000")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the database of an earlier run (one size)."
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    started = time.perf_counter()
    email = "bench-admin@example.org"
    if args.keep:
        url = datagen.database_url("omniscope_bench_audit")
    else:
        url = datagen.recreate_database("omniscope_bench_audit")
        datagen.load_users(url, args.users)
        email = datagen.add_bench_admin(url)
        print(f"loaded {args.users:,} users in {time.perf_counter() - started:.1f} s")
    actor = "grace.hopper.17@example.org"
    results = {}
    for size in sizes:
        started = time.perf_counter()
        added = datagen.load_audit(url, size, HMAC_KEY, span_rows=max(sizes))
        print(f"audit rows: {size:,} (+{added:,} in {time.perf_counter() - started:.1f} s)")
        results[size] = measure(url, email, args.runs, actor)
    headers = ["case", "page p50", "page p95", "floor p50", "floor p95", "SQL p50", "page/floor"]
    for size, rows in results.items():
        print(f"\n### {size:,} audit rows, {args.users:,} users ({args.runs} runs; ms)\n")
        print_table(headers, rows)
    if len(sizes) == 2:
        small, large = results[sizes[0]], results[sizes[1]]
        print(f"\n### page median at {sizes[1]:,} / at {sizes[0]:,} rows\n")
        print_table(
            ["case", "ratio"],
            [[a[0], f"{b[1] / a[1]:.2f}x"] for a, b in zip(small, large, strict=True)],
        )


if __name__ == "__main__":
    main()
