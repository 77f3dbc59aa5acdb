"""Two gunicorn instances and two RQ worker processes on one PostgreSQL and one Redis.

Nothing that matters lives in a web process: sessions, revocations, lockouts, caches and
jobs are shared, and the audit chain stays gap-free under concurrent writes through both.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditLog, Report, Role, User
from portal.services.audit.integrity import verify_chain
from tests.factories import TOTP_SECRET, UserFactory, custom_role
from tests.helpers.signin import PASSWORD
from tests.ops.conftest import ROOT, Browser, WebServer, portal_env

pytestmark = pytest.mark.committed


@pytest.fixture
def cluster(app, database_url):
    env = portal_env(
        app, database_url, LOGIN_LIMIT_PER_ACCOUNT="1000", LOGIN_LIMIT_PER_IP="1000",
        LOCKOUT_THRESHOLD="3",
    )  # fmt: skip
    servers = [WebServer(env), WebServer(env)]
    yield env, servers[0].port, servers[1].port
    for server in servers:
        server.stop()


def _sign_in(browser: Browser, port: int, email: str, mfa_step: int | None = None) -> int:
    status, _, headers = browser.post_form(port, "/login", {"email": email, "password": PASSWORD})
    if status == 303 and headers.get("Location", "").startswith("/mfa"):
        totp = pyotp.TOTP(TOTP_SECRET)
        code = totp.generate_otp(totp.timecode(time.time()) + (mfa_step or 0))
        status, _, headers = browser.post_form(port, "/mfa", {"code": code})
    return status


def test_sessions_revocations_lockouts_and_caches_are_shared(app, cluster, redis_client):
    _, a, b = cluster
    with app.app_context():
        UserFactory(email="ops-admin@example.org", roles=["Admin"], mfa=True)
        target = UserFactory(email="ops-user@example.org", roles=["Researcher"])
        UserFactory(email="ops-locked@example.org", roles=["Researcher"])
        db.session.commit()
        target_id = target.id

    # A session created through A is valid through B.
    user = Browser()
    assert _sign_in(user, a, "ops-user@example.org") == 303
    assert user.request(b, "GET", "/")[0] == 200

    # A revocation made through B is in force through A at once.
    admin = Browser()
    assert _sign_in(admin, b, "ops-admin@example.org", mfa_step=-1) == 303
    status, _, _ = admin.post_form(
        b,
        f"/users/{target_id}/revoke-sessions",
        {},
        token_from=f"/users/{target_id}/revoke-sessions",
    )
    assert status == 303
    assert user.request(a, "GET", "/")[0] == 302

    # A lockout reached through A holds through B.
    intruder = Browser()
    wrong = {"email": "ops-locked@example.org", "password": "wrong password!"}
    for _ in range(3):
        assert intruder.post_form(a, "/login", wrong)[0] == 400
    assert _sign_in(Browser(), b, "ops-locked@example.org") == 400
    with app.app_context():
        locked = db.session.scalar(select(User).where(User.email == "ops-locked@example.org"))
        assert locked.locked_until is not None

    # A cache flushed through A is gone for B too (the dashboard counts are recomputed).
    assert admin.request(b, "GET", "/")[0] == 200
    assert redis_client.keys("omniscope:dashboard:*")
    status, _, _ = admin.post_form(a, "/system/cache/dashboard/flush", {})
    assert status == 303
    assert redis_client.keys("omniscope:dashboard:*") == []


def test_role_changes_are_in_force_through_every_server_at_once(app, cluster, redis_client):
    _, a, b = cluster
    with app.app_context():
        UserFactory(email="ops-admin@example.org", roles=["Admin"], mfa=True)
        target = UserFactory(email="ops-reader@example.org", roles=[])
        reader = custom_role("Lab Reader", ["models.view"], holders=[target])
        db.session.commit()
        target_id, reader_id = target.id, reader.id
        analyst_id = db.session.scalar(select(Role.id).where(Role.name == "Analyst"))

    user = Browser()
    assert _sign_in(user, a, "ops-reader@example.org") == 303
    # Both servers (two processes each) have served the user: the snapshot is cached.
    for port in (a, b, a, b):
        assert user.request(port, "GET", "/models")[0] == 200
    assert redis_client.exists(f"omniscope:principal:{target_id}")

    # The role loses models.view through B: refused through A on the very next request.
    admin = Browser()
    assert _sign_in(admin, b, "ops-admin@example.org", mfa_step=-1) == 303
    status, _, _ = admin.post_form(
        b, f"/roles/{reader_id}", {"name": "Lab Reader", "description": "",
                                   "permissions": ["plugins.view"]},
    )  # fmt: skip
    assert status == 303
    assert user.request(a, "GET", "/models")[0] == 403
    assert user.request(b, "GET", "/models")[0] == 403

    # A role granted through A opens the page through B at once.
    status, _, _ = admin.post_form(
        a, f"/users/{target_id}/roles", {"role_id": str(analyst_id)}, token_from="/users/new"
    )
    assert status == 303
    assert user.request(b, "GET", "/models")[0] == 200
    assert user.request(a, "GET", "/models")[0] == 200


def test_report_jobs_are_shared_between_worker_processes(app, cluster, redis_client):
    env, a, b = cluster
    with app.app_context():
        UserFactory(email="ops-reporter@example.org", roles=["Admin"], mfa=True)
        db.session.commit()
    admin = Browser()
    assert _sign_in(admin, a, "ops-reporter@example.org", mfa_step=-1) == 303
    # Two slow jobs first, so both workers are busy at once, then real reports via A and B.
    queue = Queue("reports", connection=redis_client)
    sleepers = [queue.enqueue("time.sleep", 1.5) for _ in range(2)]
    for port in (a, b, a, b):
        status, _, _ = admin.post_form(port, "/reports/new?kind=access_review", {"workspace": ""})
        assert status == 303
    workers = [
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]  # fmt: skip
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    with app.app_context():
        reports = db.session.scalars(select(Report)).all()
        assert len(reports) == 4 and {r.status for r in reports} == {"succeeded"}
        job_ids = [r.job_id for r in reports] + [s.id for s in sleepers]
    names = {Job.fetch(j, connection=redis_client).worker_name for j in job_ids}
    assert len(names) == 2, names


def test_audit_chain_stays_gap_free_through_both_servers(app, cluster):
    _, a, b = cluster

    def hammer(port: int) -> None:
        browser = Browser()
        for n in range(15):
            browser.post_form(port, "/login", {"email": f"nobody{n}@example.org",
                                               "password": "wrong password!"})  # fmt: skip

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(hammer, [a, b, a, b]))
    with app.app_context():
        seqs = list(db.session.scalars(select(AuditLog.seq).order_by(AuditLog.seq)))
        assert len(seqs) == 60 and seqs == list(range(1, 61))
        assert verify_chain().ok
