"""Rate limits (429 with Retry-After) and lockouts that grow, with the same message."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from portal.services.signin.sign_in import GENERIC_FAILURE
from tests.helpers.signin import PASSWORD


def _fail(sign_in, email, n):
    return [sign_in(email, "wrong password!").status_code for _ in range(n)]


def test_per_account_limit_is_429_with_retry_after(client, sign_in, user_factory, redis_client):
    user_factory(email="rl@example.org")
    assert _fail(sign_in, "rl@example.org", 5) == [400] * 5
    response = sign_in("rl@example.org")  # even the right password waits
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert f"Try again in {retry} second" in response.get_data(as_text=True)
    keys = [k.decode() for k in redis_client.keys("omniscope:ratelimit:login-account:*")]
    assert len(keys) == 1 and redis_client.ttl(keys[0]) <= 60


def test_unknown_accounts_are_limited_the_same_way(sign_in):
    assert _fail(sign_in, "ghost@example.org", 6) == [400] * 5 + [429]


def test_per_ip_limit(client, sign_in, user_factory, app):
    app.config["LOGIN_LIMIT_PER_IP"] = 3
    try:
        statuses = [sign_in(f"u{i}@example.org", "wrong password!").status_code for i in range(4)]
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = 20
    assert statuses == [400, 400, 400, 429]


def test_rate_limit_is_audited_once_per_window(sign_in, audit_rows):
    _fail(sign_in, "flood@example.org", 8)
    assert len(audit_rows(action="auth.login.rate_limited")) == 1


def test_lockout_after_consecutive_failures_grows(
    app, sign_in, user_factory, audit_rows, redis_client
):
    user = user_factory(email="lock@example.org")
    for round_ in range(2):
        for _ in range(2):
            _fail(sign_in, "lock@example.org", 5)
            redis_client.flushdb()  # a new minute, as far as the rate limit knows
        db.session.expire_all()
        row = db.session.get(User, user.id)
        assert row.lockout_count == round_ + 1
        expected = 60 * 2**round_
        remaining = (row.locked_until - utcnow()).total_seconds()
        assert expected - 5 < remaining <= expected
        # The right password is refused while locked, with the same message.
        response = sign_in("lock@example.org")
        assert response.status_code == 400 and GENERIC_FAILURE in response.get_data(as_text=True)
        redis_client.flushdb()
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.flush()
    lockouts = audit_rows(action="auth.lockout")
    assert [r.details["seconds"] for r in lockouts] == [60, 120]
    assert sign_in("lock@example.org").status_code == 303
    assert db.session.get(User, user.id).lockout_count == 0


def test_lockout_is_capped_at_an_hour(sign_in, user_factory, redis_client):
    user = user_factory(email="cap@example.org", lockout_count=10)
    for _ in range(2):
        _fail(sign_in, "cap@example.org", 5)
        redis_client.flushdb()
    remaining = (db.session.get(User, user.id).locked_until - utcnow()).total_seconds()
    assert 3500 < remaining <= 3600


def test_password_state_survives_a_redis_flush(sign_in, user_factory, redis_client):
    user = user_factory(email="persist@example.org", failed_login_count=9)
    _fail(sign_in, "persist@example.org", 1)
    redis_client.flushdb()
    row = db.session.get(User, user.id)
    assert row.locked_until is not None and row.locked_until > utcnow()
    assert sign_in("persist@example.org", PASSWORD).status_code == 400
