"""The embedded default (SQLite + in-process Redis + worker thread) boots and signs in."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "embedded mode passphrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _embedded_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PORTAL_INSTANCE_DIR=str(instance), PORTAL_ENV="development")
    return env


def _flask(env, *args, input=None):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, input=input, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.committed
def test_embedded_mode_serves_and_signs_in(tmp_path):
    env = _embedded_env(tmp_path)
    assert _flask(env, "db", "upgrade").returncode == 0
    created = _flask(
        env, "users", "create", "--email", "emb@example.org", "--name", "Emb",
        "--role", "Researcher", "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                page = opener.open(f"{base}/login", timeout=5).read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrf_token": token, "email": "emb@example.org", "password": PASSWORD}
        ).encode()
        dashboard = opener.open(f"{base}/login", data=form, timeout=10)
        assert dashboard.url == f"{base}/"
        assert "emb@example.org" in dashboard.read().decode()
        ready = opener.open(f"{base}/readyz", timeout=10)
        assert ready.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert (tmp_path / "portal.db").exists()
