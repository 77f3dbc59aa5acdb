"""Load benchmark data into PostgreSQL with COPY: users (and roles) at DESIGN.md's sizes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIRST = [
    "ada",
    "alan",
    "barbara",
    "claude",
    "donald",
    "edsger",
    "frances",
    "grace",
    "john",
    "katherine",
    "leslie",
    "margaret",
    "niklaus",
    "radia",
    "shafi",
    "tim",
    "vint",
    "yukihiro",
]
LAST = ["lovelace", "turing", "liskov", "shannon", "knuth", "dijkstra", "allen", "hopper",
        "backus", "johnson", "lamport", "hamilton", "wirth", "perlman", "goldwasser", "berners",
        "cerf", "matsumoto"]  # fmt: skip
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
BENCH_PASSWORD = "benchmark passphrase 2026"
BENCH_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def recreate_database(name: str) -> str:
    """Drop and create ``name``, then build it with ``flask db upgrade``."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "memory://", "RQ_WORKER_THREAD": "0"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return url


def load_users(url: str, count: int, seed: int = 7) -> None:
    """COPY ``count`` users with names, emails, roles and sign-in history."""
    rng = random.Random(seed)
    password_hash = PasswordHasher().hash(BENCH_PASSWORD)
    with psycopg.connect(url) as conn:
        roles = dict(conn.execute("SELECT name, id FROM roles").fetchall())
        role_names = ["Researcher"] * 6 + ["Analyst"] * 3 + ["Viewer"] * 3 + ["PI"]
        users_sql = (
            "COPY users (id, email, name, password_hash, is_active, failed_login_count,"
            " lockout_count, last_login_at, last_login_ip, password_changed_at,"
            " must_change_password, version, created_at, updated_at) FROM STDIN"
        )
        links = []
        with conn.cursor() as cur, cur.copy(users_sql) as copy:
            for n in range(count):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                created = EPOCH + timedelta(minutes=n)
                signed_in = created + timedelta(days=rng.randint(0, 600)) if n % 5 else None
                copy.write_row((
                    user_id, f"{first}.{last}.{n}@example.org", f"{first.title()} {last.title()}",
                    password_hash, n % 50 != 0, 0, 0, signed_in,
                    f"10.{n % 250}.{n % 200}.{n % 100}" if signed_in else None,
                    created, False, 1, created, created,
                ))  # fmt: skip
                links.append((user_id, roles[rng.choice(role_names)], created))
        with (
            conn.cursor() as cur,
            cur.copy("COPY user_roles (user_id, role_id, granted_at) FROM STDIN") as copy,
        ):
            for row in links:
                copy.write_row(row)
        conn.execute("ANALYZE users")
        conn.execute("ANALYZE user_roles")


def add_bench_admin(url: str) -> str:
    """An enrolled Admin the benchmark signs in as (TOTP secret BENCH_TOTP_SECRET)."""
    env = {
        **os.environ, "DATABASE_URL": url, "REDIS_URL": "memory://", "RQ_WORKER_THREAD": "0",
        "BENCH_TOTP_SECRET": BENCH_TOTP_SECRET,
    }  # fmt: skip
    code = (
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        "from portal.models import User\n"
        "from portal.security.crypto import encrypt\n"
        "from portal.models.base import utcnow\n"
        "from portal.services.users import create_user, get_role_by_name\n"
        "import os, sys\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    u = create_user(email='bench-admin@example.org', name='Bench Admin',"
        f" password={BENCH_PASSWORD!r}, roles=[get_role_by_name('Admin')], actor=None)\n"
        "    u.mfa_secret_encrypted = encrypt(os.environ['BENCH_TOTP_SECRET'])\n"
        "    u.mfa_enrolled_at = utcnow()\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return "bench-admin@example.org"
