"""The second sign-in step: TOTP once per time-step, recovery codes once, enforcement."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import RecoveryCode, User, UserSession
from portal.services.signin import mfa
from tests.factories import TOTP_SECRET
from tests.helpers.signin import code_step, next_totp_code, password_step


def _sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession))


def test_password_step_asks_for_a_code_and_opens_no_session(client, user_factory):
    user_factory(email="two@example.org", roles=["Admin"], mfa=True)
    response = password_step(client, "two@example.org")
    assert response.status_code == 303 and response.headers["Location"].startswith("/mfa")
    assert _sessions() == 0
    assert client.get("/").status_code == 302  # not signed in yet
    assert "Two-factor authentication" in client.get("/mfa").get_data(as_text=True)


def test_totp_code_signs_in_once_and_is_refused_again(app, client, user_factory, audit_rows):
    user = user_factory(email="once@example.org", roles=["Admin"], mfa=True)
    password_step(client, "once@example.org")
    code = next_totp_code(app, "once@example.org")
    response = code_step(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).mfa_last_timestep is not None
    success = audit_rows(action="auth.login.success")
    assert success[-1].details["method"] == "totp"
    # A second browser replays the same code: refused.
    other = app.test_client()
    password_step(other, "once@example.org")
    replay = code_step(other, code)
    assert replay.status_code == 400
    assert "not valid or has already been used" in replay.get_data(as_text=True)
    assert len(audit_rows(action="auth.mfa.failure")) == 1


def test_older_time_step_is_refused(app, client, user_factory):
    user = user_factory(email="older@example.org", roles=["PI"], mfa=True)
    totp = pyotp.TOTP(TOTP_SECRET)
    now_step = totp.timecode(time.time())
    user.mfa_last_timestep = now_step
    db.session.flush()
    password_step(client, "older@example.org")
    assert code_step(client, totp.generate_otp(now_step - 1)).status_code == 400
    assert code_step(client, totp.generate_otp(now_step)).status_code == 400
    assert code_step(client, totp.generate_otp(now_step + 1)).status_code == 303


def test_recovery_code_works_once(app, client, user_factory, audit_rows):
    user = user_factory(email="rec@example.org", roles=["Researcher"], mfa=True)
    with app.test_request_context():
        codes = mfa.regenerate_recovery_codes(user)
    db.session.flush()
    password_step(client, "rec@example.org")
    response = code_step(client, codes[0].upper().replace("-", " "))
    assert response.status_code == 303
    assert len(audit_rows(action="auth.mfa.recovery_code_used")) == 1
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1
    again = app.test_client()
    password_step(again, "rec@example.org")
    assert code_step(again, codes[0]).status_code == 400
    assert code_step(again, codes[1]).status_code == 303


def test_mfa_step_without_password_step_goes_back_to_sign_in(client):
    response = client.get("/mfa")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_bad_codes_are_form_errors(client, user_factory):
    user_factory(email="bad@example.org", roles=["Admin"], mfa=True)
    password_step(client, "bad@example.org")
    for code in ("", "12345", "1234567", "abcdef", "12\x0034", "9" * 100, "🔑🔑🔑🔑🔑🔑"):
        response = code_step(client, code)
        assert response.status_code == 400, code
    assert _sessions() == 0


def test_unenrolled_admin_reaches_only_enrolment_and_sign_out(client, sign_in, user_factory):
    user_factory(email="new-admin@example.org", roles=["Admin"])
    response = sign_in("new-admin@example.org")
    assert response.status_code == 303
    for path in ("/", "/account", "/account/sessions", "/account/recovery-codes"):
        blocked = client.get(path)
        assert blocked.status_code == 303, path
        assert blocked.headers["Location"].startswith("/account/mfa"), path
    assert client.get("/account/mfa").status_code == 200
    assert client.get("/logout").status_code == 200


def test_mfa_code_limit_gives_429(app, client, user_factory):
    user_factory(email="limit@example.org", roles=["Admin"], mfa=True)
    password_step(client, "limit@example.org")
    statuses = [code_step(client, "000000").status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
