"""Processes the operations tests own: a Redis server, gunicorn web servers, RQ workers."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.apps import REDIS_URL, TEST_SETTINGS

ROOT = Path(__file__).resolve().parent.parent.parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("service did not come up")
        time.sleep(0.1)


class RedisServer:
    """A redis-server on a port of its own that a test may stop and start again."""

    def __init__(self, port: int) -> None:
        self.port, self.proc = port, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.port), 0.2).close() or True)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


class PostgresServer:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, own port).

    The machine's binaries; run as the ``postgres`` account when the tests run as root
    (initdb refuses root). A test may stop it and start it again on the same port.
    """

    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            pytest.fail("PostgreSQL's server binaries are not installed")
        self.bin = versions[-1].parent
        self.data = directory / "data"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bin / tool), *args],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.directory / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    # Not under pytest's tmp_path: its parents are private to root, and postgres runs it.
    directory = Path(tempfile.mkdtemp(prefix="omniscope-pg-"))
    directory.chmod(0o755)
    try:
        server = PostgresServer(directory, free_port())
        server.start()
        yield server
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def portal_env(app, database_url: str, redis_url: str = REDIS_URL, **extra: str) -> dict:
    """The environment of a portal process sharing the tests' database, Redis and keys."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": TEST_SETTINGS["SECRET_KEY"],
        "PORTAL_ENCRYPTION_KEY": TEST_SETTINGS["PORTAL_ENCRYPTION_KEY"],
        "AUDIT_HMAC_KEY": TEST_SETTINGS["AUDIT_HMAC_KEY"],
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
        "RQ_WORKER_THREAD": "0",
        "PORTAL_INSTANCE_DIR": app.instance_path,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class WebServer:
    """A gunicorn serving the portal (the production entry point) on a free port."""

    def __init__(self, env: dict) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile",
             "/dev/null", "wsgi:app"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                           "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def ready() -> bool:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        wait_for(ready, 60)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Browser:
    """Cookies and forms over plain HTTP, against any of the servers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, text, dict(response.getheaders())

    def token(self, port: int, path: str) -> str:
        return CSRF.search(self.request(port, "GET", path)[1]).group(1)

    def post_form(self, port: int, path: str, form: dict, token_from: str | None = None):
        form = {"csrf_token": self.token(port, token_from or path), **form}
        return self.request(port, "POST", path, form)
