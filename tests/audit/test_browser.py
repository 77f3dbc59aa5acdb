"""The audit trail browser: filters in the URL, keyset pages, PI scope, detail, verify."""

from __future__ import annotations

import re
import threading
import uuid

import pytest

from portal.extensions import db
from portal.jobs.worker import ThreadWorker, build_worker
from portal.services import audit
from tests.factories import UserFactory, WorkspaceFactory
from tests.helpers.pages import csrf_token_from, error_detail, field_errors
from tests.helpers.signin import assert_signed_in

SEQ = re.compile(r'data-audit-seq="(\d+)"')


def _seqs(page: str) -> list[int]:
    return [int(s) for s in SEQ.findall(page)]


def test_admin_sees_newest_first_and_walks_older_and_newer(client, admin, app_ctx):
    for i in range(120):
        audit.record("user.updated", actor=None, target_type="user", target_id=f"t{i}")
    db.session.flush()
    first = client.get("/audit?per_page=50").get_data(as_text=True)
    seqs = _seqs(first)
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert _seqs(second)[0] == seqs[-1] - 1
    newer = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert _seqs(client.get(newer).get_data(as_text=True)) == seqs


def test_filters_combine_and_stay_in_the_links(client, admin, app_ctx):
    target = UserFactory(email="target@example.org")
    audit.record("user.updated", actor=None, target=target, details={"n": 1})
    audit.record("user.deactivated", actor=None, target=target)
    audit.record("role.created", actor=None, target_type="role", target_id="r1")
    db.session.flush()
    page = client.get(f"/audit?action=user.&target_type=user&target_id={target.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    actions = re.findall(r"<code>([a-z_.]+)</code>", text)
    assert set(actions) == {"user.updated", "user.deactivated"}
    exact = client.get("/audit?action=role.created").get_data(as_text=True)
    assert re.findall(r"<code>([a-z_.]+)</code>", exact) == ["role.created"]
    by_actor = client.get(f"/audit?actor={admin.email}").get_data(as_text=True)
    assert set(re.findall(r"<code>([a-z_.]+)</code>", by_actor)) == {"auth.login.success"}


BAD_FILTERS = [
    ("action=nonsense", "Not a valid choice."),
    ("actor=not-an-email", "Enter an email address."),
    ("workspace=nope", "Enter a workspace id (a UUID)."),
    ("ip=999.1.1.1", "Enter an IPv4 or IPv6 address."),
    ("date_from=2026-13-01", "Not a valid date value."),
    ("date_from=2026-02-01&date_to=2026-01-01", "The end date is before the start date."),
    ("target_id=" + "x" * 100, "Field cannot be longer than 64 characters."),
    ("target_id=a%00b", "This field contains a NUL character, which is not allowed."),
    ("after=forged-cursor", "That page link is not valid (it may be from another list or order)."),
    ("per_page=0", "Rows per page must be a number from 1 to 200."),
]


@pytest.mark.parametrize(("query", "message"), [pytest.param(q, m, id=q) for q, m in BAD_FILTERS])
def test_bad_filters_are_400_with_a_message(client, admin, query, message):
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    # A bad filter is named next to its field; a bad page link above the list.
    assert (field_errors(response) or [error_detail(response)]) == [message]


def test_date_range_filter(client, admin, app_ctx):
    audit.record("user.updated", actor=None, target_type="user")
    db.session.flush()
    assert (
        _seqs(client.get("/audit?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True))
        == []
    )
    assert _seqs(client.get("/audit?date_from=2000-01-01").get_data(as_text=True))


def test_pi_sees_only_their_workspaces(client, pi):
    mine = WorkspaceFactory(owner=pi)
    other = WorkspaceFactory()
    inside = audit.record("model.registered", actor=None, target_type="model", workspace_id=mine.id)
    outside = audit.record(
        "model.registered", actor=None, target_type="model", workspace_id=other.id
    )
    db.session.flush()
    page = client.get("/audit").get_data(as_text=True)
    assert inside.seq in _seqs(page) and outside.seq not in _seqs(page)
    filtered = client.get(f"/audit?workspace={other.id}").get_data(as_text=True)
    assert _seqs(filtered) == []
    assert client.get(f"/audit/{outside.id}").status_code == 404
    assert client.get(f"/audit/{inside.id}").status_code == 200
    assert client.get("/audit/verify").status_code == 403


def test_others_may_not_read_the_trail(client, researcher):
    assert client.get("/audit").status_code == 403


def test_detail_shows_diff_links_and_neighbours(client, admin, app_ctx):
    target = UserFactory(email="diff@example.org")
    before = audit.record("user.created", actor=None, target=target)
    row = audit.record(
        "user.updated",
        actor=admin,
        target=target,
        details={
            "before": {"name": "Old", "email": "a@x.org"},
            "after": {"name": "New", "email": "a@x.org"},
        },
    )
    after = audit.record("user.deactivated", actor=None, target=target)
    db.session.flush()
    page = client.get(f"/audit/{row.id}").get_data(as_text=True)
    assert "data-audit-diff" in page and '"Old"' in page and '"New"' in page
    assert f'href="/users/{target.id}"' in page
    assert f'href="/users/{admin.id}"' in page
    assert {before.seq, row.seq, after.seq} <= set(_seqs(page))
    assert client.get(f"/audit/{uuid.uuid4()}").status_code == 404
    assert client.get("/audit/not-a-uuid").status_code == 404


@pytest.mark.committed
def test_verify_runs_as_a_job_and_is_audited(app, client, sign_in):
    with app.app_context():
        UserFactory(email="verifier@example.org", roles=["Admin"], mfa=True)
        db.session.commit()
    assert_signed_in(sign_in("verifier@example.org"))
    token = csrf_token_from(client, "/audit/verify")
    response = client.post("/audit/verify", data={"csrf_token": token})
    assert response.status_code == 303
    location = response.headers["Location"]
    # No worker has run yet: the page says the job is still waiting.
    assert 'data-verify-result="pending"' in client.get(location).get_data(as_text=True)
    worker = build_worker(app, ThreadWorker)
    thread = threading.Thread(target=worker.work, kwargs={"burst": True})
    thread.start()
    thread.join(timeout=60)
    page = client.get(location).get_data(as_text=True)
    assert 'data-verify-result="ok"' in page
    with app.app_context():
        from sqlalchemy import select

        from portal.models import AuditLog

        verified = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "audit.verified")
        ).all()
        assert len(verified) == 1 and verified[0].actor_email == "verifier@example.org"
