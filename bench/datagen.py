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
        "from portal.services.identity.roles import get_role_by_name\n"
        "from portal.services.identity.users import create_user\n"
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


ACTIONS = [
    ("auth.login.success", "user", 30), ("auth.login.failure", "user", 6),
    ("auth.logout", "user", 10), ("user.updated", "user", 8), ("user.role.granted", "user", 3),
    ("model.registered", "model", 10), ("model.stage.changed", "model", 6),
    ("report.requested", "report", 8), ("report.downloaded", "report", 5),
    ("workspace.member.added", "workspace_member", 4), ("plugin.configured", "plugin", 2),
    ("session.ended", "session", 8),
]  # fmt: skip
AUDIT_DAYS = 365


def load_audit(
    url: str, total: int, hmac_key: str, seed: int = 11, span_rows: int | None = None
) -> int:
    """Extend the audit trail to ``total`` rows with a valid HMAC chain (COPY); returns rows added.

    Row ``n`` is written at a fixed pace over the year that ``span_rows`` rows fill (the
    largest size a run reaches), so created_at grows with seq across extensions; actors
    are the users already loaded; about a third of the rows belong to workspaces.
    """
    import hashlib
    import hmac
    import json

    rng = random.Random(seed + total)
    key = hmac_key.encode()
    weighted = [a for a in ACTIONS for _ in range(a[2])]
    with psycopg.connect(url) as conn:
        head_seq, head_hash = conn.execute(
            "SELECT seq, hash FROM audit_head WHERE id = 1"
        ).fetchone()
        if head_seq >= total:
            return 0
        actors = conn.execute("SELECT id, email FROM users ORDER BY email LIMIT 5000").fetchall()
        workspaces = [r[0] for r in conn.execute("SELECT id FROM workspaces").fetchall()]
        if not workspaces:
            owner = actors[0][0]
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY workspaces (id, name, slug, description, owner_id, settings, is_archived,"
                    " version, created_at, updated_at) FROM STDIN"
                ) as copy,
            ):
                for n in range(200):
                    ws = uuid.UUID(int=rng.getrandbits(128), version=4)
                    workspaces.append(ws)
                    copy.write_row((ws, f"Bench workspace {n}", f"bench-{n}", "", owner, "{}",
                                    False, 1, EPOCH, EPOCH))  # fmt: skip
        start = datetime.now(UTC) - timedelta(days=AUDIT_DAYS)
        step = timedelta(days=AUDIT_DAYS) / (span_rows or total)
        added, prev = 0, head_hash
        columns = (
            "id, seq, created_at, actor_id, actor_email, action, target_type, target_id,"
            " workspace_id, ip, user_agent, request_id, details, prev_hash, hash"
        )
        # The append-only trigger guards UPDATE/DELETE only; COPY appends.
        with conn.cursor() as cur, cur.copy(f"COPY audit_logs ({columns}) FROM STDIN") as copy:
            for seq in range(head_seq + 1, total + 1):
                action, target_type, _ = rng.choice(weighted)
                actor_id, actor_email = rng.choice(actors)
                workspace = rng.choice(workspaces) if rng.random() < 0.35 else None
                created = start + step * seq
                row = {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "seq": seq,
                    "created_at": created.isoformat(timespec="microseconds"),
                    "actor_id": str(actor_id),
                    "actor_email": actor_email,
                    "action": action,
                    "target_type": target_type,
                    "target_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "workspace_id": str(workspace) if workspace else None,
                    "ip": f"10.{seq % 250}.{seq % 199}.{seq % 97}",
                    "user_agent": "Mozilla/5.0 (bench)",
                    "request_id": f"{rng.getrandbits(128):032x}",
                    "details": {"n": seq % 1000},
                    "prev_hash": prev,
                }
                canonical = json.dumps(row, sort_keys=True, separators=(",", ":")).encode()
                digest = hmac.new(key, canonical, hashlib.sha256).hexdigest()
                copy.write_row((
                    row["id"], seq, created, actor_id, actor_email, action, target_type,
                    row["target_id"], workspace, row["ip"], row["user_agent"], row["request_id"],
                    json.dumps(row["details"]), prev, digest,
                ))  # fmt: skip
                prev, added = digest, added + 1
        conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (total, prev))
        conn.commit()
        conn.execute("ANALYZE audit_logs")
    return added
