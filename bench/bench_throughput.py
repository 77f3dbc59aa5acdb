"""Throughput of a signed-in dashboard vs a hello-world Flask app, and the audit's cost.

    .venv/bin/python -m bench.bench_throughput [--seconds 15] [--connections 8]
    .venv/bin/python -m bench.bench_throughput --pages [--repeats 5] [--seconds 10]

With ``--pages``: the first audit page and the users prefix search, signed in as the
bench Admin, against the floor app (bench/floor_app.py), both under gunicorn.conf.py,
``--repeats`` times each, interleaved, on database omniscope_bench_audit (built by
bench.bench_audit: 2,000,000 audit rows, 100,000 users); it prints each side's lowest,
median and highest requests/s, so the spread between runs shows.

1. wrk (Debian's package) against the portal's dashboard, signed in as an enrolled Admin
   (the session cookie of a real sign-in), and against bench/hello_app.py, both under the
   project's gunicorn.conf.py with the same worker settings. DESIGN.md: at least half.
2. A mutating request (an admin edits a user's name: form parse, optimistic lock, update,
   audit row, commit) with the real audit API and with audit.record replaced by a no-op,
   in one process, 300 times each, interleaved in 10 rounds. DESIGN.md: recording adds
   at most 20 %.
Uses database omniscope_bench_users (built here with 10,000 users).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time

from bench import datagen
from bench.harness import REDIS_URL, gunicorn, p50, p95, print_table, sample, sign_in

ROUNDS = 10
WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")


def _wrk(base: str, path: str, seconds: int, connections: int, cookie: str | None) -> float:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, f"http://{base}{path}"], capture_output=True, text=True)
    return float(WRK_RATE.search(out.stdout).group(1))


def throughput(url: str, email: str, seconds: int, connections: int) -> list[list[object]]:
    rows = []
    with (
        gunicorn("wsgi:app", 8331, url) as portal,
        gunicorn("bench.hello_app:app", 8332, url) as hello,
    ):
        admin = sign_in(portal, email, datagen.BENCH_PASSWORD, datagen.BENCH_TOTP_SECRET)
        status, page, _ = admin.request("GET", "/")
        assert status == 200 and "data-tile" in page
        # The cookie as a browser holds it after its first page (with the CSRF token
        # that page added): wrk sends the same cookie every time and ignores Set-Cookie.
        cookie = "; ".join(f"{k}={v}" for k, v in admin.cookies.items())
        status, _, headers = admin.request("GET", "/")
        assert status == 200 and "Set-Cookie" not in headers
        dashboard = _wrk(portal, "/", seconds, connections, cookie)
        baseline = _wrk(hello, "/", seconds, connections, None)
        rows.append(["signed-in dashboard", f"{dashboard:,.0f}", f"{baseline:,.0f}",
                     f"{dashboard / baseline:.2f}"])  # fmt: skip
    return rows


PAGES = (("audit: first page", "/audit"), ("users: prefix search (q=grace)", "/users?q=grace"))


def page_throughput(
    url: str, email: str, seconds: int, connections: int, repeats: int
) -> list[list[object]]:
    """Requests/s of the busiest pages vs the floor app's, ``repeats`` interleaved runs each."""
    rows = []
    with (
        gunicorn("wsgi:app", 8333, url) as portal,
        gunicorn("bench.floor_app:app", 8334, url) as floor,
    ):
        admin = sign_in(portal, email, datagen.BENCH_PASSWORD, datagen.BENCH_TOTP_SECRET)
        admin.request("GET", "/")
        cookie = "; ".join(f"{k}={v}" for k, v in admin.cookies.items())
        for label, path in PAGES:
            status, _, _ = admin.request("GET", path)
            assert status == 200, (label, status)
            ours, theirs = [], []
            for _ in range(repeats):
                ours.append(_wrk(portal, path, seconds, connections, cookie))
                theirs.append(_wrk(floor, path, seconds, connections, None))
            ratio = statistics.median(ours) / statistics.median(theirs)
            rows.append([label, f"{min(ours):,.0f}", f"{statistics.median(ours):,.0f}",
                         f"{max(ours):,.0f}", f"{min(theirs):,.0f}",
                         f"{statistics.median(theirs):,.0f}", f"{max(theirs):,.0f}",
                         f"{ratio:.2f}x"])  # fmt: skip
    return rows


def audit_cost(url: str, email: str, runs: int) -> list[list[object]]:
    """Median of an audited edit with the real audit API vs with recording switched off."""
    import pyotp

    from portal import create_app
    from portal.extensions import db
    from portal.models import User
    from portal.services import audit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                      "postgresql+psycopg://"), "REDIS_URL": REDIS_URL,
                      "RQ_WORKER_THREAD": False})  # fmt: skip
    client = app.test_client()
    csrf = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    token = csrf.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "email": email,
                                "password": datagen.BENCH_PASSWORD})  # fmt: skip
    totp = pyotp.TOTP(datagen.BENCH_TOTP_SECRET)
    token = csrf.search(client.get("/mfa").get_data(as_text=True)).group(1)
    code = totp.generate_otp(totp.timecode(time.time()) + 1)
    assert client.post("/mfa", data={"csrf_token": token, "code": code}).status_code == 303
    with app.app_context():
        target = db.session.scalar(db.select(User).where(User.email != email).limit(1))
        path = f"/users/{target.id}/edit"
    counter = iter(range(10**9))

    def edit() -> None:
        page = client.get(path).get_data(as_text=True)
        form = dict(re.findall(r'name="(csrf_token|version|email)"[^>]*value="([^"]*)"', page))
        form["name"] = f"Bench Name {next(counter)}"
        response = client.post(path, data=form)
        assert response.status_code in (200, 303), response.status_code

    def unaudited_edit() -> None:
        original = audit.record
        audit.record = lambda *args, **kwargs: None  # the bench's switch, never the portal's
        try:
            edit()
        finally:
            audit.record = original

    # Interleaved in rounds, so drift on a busy machine (autovacuum, table growth) falls
    # on both sides alike.
    with_audit: list[float] = []
    without: list[float] = []
    for _ in range(ROUNDS):
        with_audit += sample(edit, runs // ROUNDS, warmup=2)
        without += sample(unaudited_edit, runs // ROUNDS, warmup=2)
    return [["edit a user (GET form + POST)", p50(with_audit), p95(with_audit), p50(without),
             p95(without), f"{(p50(with_audit) / p50(without) - 1) * 100:+.1f} %"]]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--pages", action="store_true", help="The audit and users pages.")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.pages:
        url = datagen.database_url("omniscope_bench_audit")
        print_table(
            ["page", "portal min", "portal median", "portal max", "floor min", "floor median",
             "floor max", "median ratio"],
            page_throughput(url, "bench-admin@example.org", args.seconds, args.connections,
                            args.repeats),
        )  # fmt: skip
        return
    url = datagen.recreate_database("omniscope_bench_users")
    datagen.load_users(url, 10_000)
    email = datagen.add_bench_admin(url)
    if args.seconds:
        print_table(
            ["case", "portal req/s", "hello-world req/s", "portal/hello"],
            throughput(url, email, args.seconds, args.connections),
        )
        print()
    print_table(
        ["mutating request", "audited p50", "audited p95", "no audit p50", "no audit p95",
         "audit adds"],
        audit_cost(url, email, args.runs),
    )  # fmt: skip


if __name__ == "__main__":
    main()
