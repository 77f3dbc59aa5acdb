"""Users list at DESIGN.md's size: the page vs the floor app vs the bare SQL.

    .venv/bin/python -m bench.bench_users [--users 100000] [--runs 300]

Builds database omniscope_bench_users (COPY), serves the portal and the floor app with
the same gunicorn settings, signs in as an enrolled Admin, and prints median and p95
latency per case. Needs PostgreSQL and Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import html
import re
import time

import psycopg
from sqlalchemy import event

from bench import datagen
from bench.harness import Client, gunicorn, p50, p95, print_table, sample, sign_in

CASES = [
    ("first page", "/users"),
    ("prefix search (q=grace)", "/users?q=grace"),
    ("prefix search, next page", None),  # filled from the page's "next" link
    ("prefix search, rare (q=yukihiro.matsumoto.99)", "/users?q=yukihiro.matsumoto.99"),
]


def _captured_sql(database_url: str, path: str) -> list[tuple[str, object]]:
    """The statements the portal runs to build ``path``'s list (captured, then replayed)."""
    from urllib.parse import parse_qsl, urlsplit

    from portal import create_app
    from portal.extensions import db
    from portal.pagination import parse_page_request
    from portal.services.identity.user_queries import UserFilters, list_users

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://",
                      "postgresql+psycopg://"), "REDIS_URL": "memory://",
                      "RQ_WORKER_THREAD": False})  # fmt: skip
    args = dict(parse_qsl(urlsplit(path).query))
    statements: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        list_users(UserFilters(q=args.get("q", "")), parse_page_request(args), sort="email")
        event.remove(engine, "before_cursor_execute", capture)
        db.engine.dispose()
    return statements


def _time_sql(database_url: str, statements, runs: int) -> list[float]:
    with psycopg.connect(database_url, prepare_threshold=None) as conn:

        def run():
            for statement, params in statements:
                conn.execute(statement, params).fetchall()

        return sample(run, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    started = time.perf_counter()
    url = datagen.recreate_database("omniscope_bench_users")
    datagen.load_users(url, args.users)
    email = datagen.add_bench_admin(url)
    print(f"loaded {args.users:,} users in {time.perf_counter() - started:.1f} s")

    with (
        gunicorn("wsgi:app", 8311, url) as portal,
        gunicorn("bench.floor_app:app", 8312, url) as floor,
    ):
        admin = sign_in(portal, email, datagen.BENCH_PASSWORD, datagen.BENCH_TOTP_SECRET)
        _, page, _ = admin.request("GET", "/users?q=grace")
        nxt = html.unescape(re.search(r'rel="next" href="([^"]+)"', page).group(1))
        cases = [(label, path or nxt) for label, path in CASES]
        floor_client = Client(floor)
        rows = []
        for label, path in cases:
            status, body, _ = admin.request("GET", path)
            assert status == 200 and "data-user-row" in body, (label, status)
            page_times = sample(lambda p=path: admin.request("GET", p), args.runs)
            floor_times = sample(lambda p=path: floor_client.request("GET", p), args.runs)
            sql_times = _time_sql(url, _captured_sql(url, path), args.runs)
            rows.append([
                label, p50(page_times), p95(page_times), p50(floor_times), p95(floor_times),
                p50(sql_times), f"{p50(page_times) / p50(floor_times):.2f}x",
            ])  # fmt: skip
    print(f"\nusers: {args.users:,}; runs per case: {args.runs}; latencies in ms\n")
    print_table(
        ["case", "page p50", "page p95", "floor p50", "floor p95", "SQL p50", "page/floor"],
        rows,
    )


if __name__ == "__main__":
    main()
