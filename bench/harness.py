"""Shared benchmark plumbing: gunicorn servers, HTTP sign-in, latency sampling, tables."""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
THREADS = os.environ.get("BENCH_THREADS", "1")


@contextmanager
def gunicorn(app_spec: str, port: int, database_url: str) -> Iterator[str]:
    """Serve ``app_spec`` with the project's gunicorn.conf.py (same settings for every app)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "RQ_WORKER_THREAD": "0",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": WORKERS,
        "GUNICORN_THREADS": THREADS,
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    proc = subprocess.Popen(
        [*command, "--access-logfile", "/dev/null", app_spec],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection(base, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{app_spec} did not start on {base}:\n{log.read()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


class Client:
    """A keep-alive HTTP client that carries the session cookie."""

    def __init__(self, base: str) -> None:
        self.conn = http.client.HTTPConnection(base, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: open a new one once.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def sign_in(base: str, email: str, password: str, totp_secret: str) -> Client:
    """Sign in through the real forms, answering the MFA step."""
    client = Client(base)
    _, page, _ = client.request("GET", "/login")
    token = CSRF.search(page).group(1)
    status, _, _ = client.request(
        "POST", "/login", {"csrf_token": token, "email": email, "password": password}
    )
    assert status == 303, status
    totp = pyotp.TOTP(totp_secret)
    # A code is accepted once per time-step (replay protection): an earlier run may have
    # used this step already, so try the next one, then wait for a fresh step.
    for attempt in range(3):
        step = totp.timecode(time.time()) + (1 if attempt == 1 else 0)
        _, page, _ = client.request("GET", "/mfa")
        token = CSRF.search(page).group(1)
        status, _, _ = client.request(
            "POST", "/mfa", {"csrf_token": token, "code": totp.generate_otp(step)}
        )
        if status == 303:
            return client
        if attempt == 1:
            time.sleep(totp.interval * 2 - time.time() % totp.interval + 1)
    raise AssertionError(f"MFA step answered {status}")


def sample(call: Callable[[], object], runs: int, warmup: int = 10) -> list[float]:
    """Latencies in milliseconds of ``runs`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p50(times: list[float]) -> float:
    return statistics.median(times)


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """A Markdown table (pastes straight into docs/PERFORMANCE.md)."""
    cells = [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
