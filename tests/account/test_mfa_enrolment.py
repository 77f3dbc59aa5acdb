"""Enrolling an authenticator, recovery codes, disabling MFA."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.security.crypto import decrypt
from tests.factories import TOTP_SECRET
from tests.helpers.pages import CSRF_RE, csrf_token_from
from tests.helpers.signin import PASSWORD, code_step, next_totp_code, password_step

HIDDEN = re.compile(r'name="enrolment" type="hidden" value="([^"]+)"')


def _enrol_page(client):
    page = client.get("/account/mfa").get_data(as_text=True)
    secret = re.search(r"data-totp-secret>([A-Z2-7]+)<", page).group(1)
    return page, secret


def _confirm(client, page, code):
    token = CSRF_RE.search(page).group(1)
    enrolment = HIDDEN.search(page).group(1)
    return client.post(
        "/account/mfa", data={"csrf_token": token, "enrolment": enrolment, "code": code}
    )


def test_enrolment_shows_qr_and_secret_and_stores_it_encrypted(
    client, sign_in, user_factory, audit_rows
):
    user = user_factory(email="enrol@example.org", roles=["Admin"])
    sign_in("enrol@example.org")
    page, secret = _enrol_page(client)
    assert len(secret) == 32
    assert "<svg" in page and "TOTP QR code" in page
    assert db.session.get(User, user.id).mfa_secret_encrypted is None  # not before confirming
    response = _confirm(client, page, pyotp.TOTP(secret).now())
    assert response.status_code == 200
    codes = re.findall(r"data-recovery-code>([a-z0-9-]+)<", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.get(User, user.id)
    assert stored.mfa_enrolled_at is not None
    assert secret not in stored.mfa_secret_encrypted
    assert decrypt(stored.mfa_secret_encrypted) == secret
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert len(audit_rows(action="auth.mfa.enrolled")) == 1
    assert client.get("/").status_code == 200  # the admin may now go anywhere


def test_wrong_code_keeps_the_same_secret_and_enrols_nothing(client, sign_in, user_factory):
    user = user_factory(email="wrong@example.org")
    sign_in("wrong@example.org")
    page, secret = _enrol_page(client)
    response = _confirm(client, page, "000000")
    assert response.status_code == 400
    assert "does not match" in response.get_data(as_text=True)
    assert f"data-totp-secret>{secret}<" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).mfa_enrolled_at is None


def test_tampered_enrolment_token_is_refused(client, sign_in, user_factory):
    user_factory(email="tamper@example.org")
    sign_in("tamper@example.org")
    page, secret = _enrol_page(client)
    page = HIDDEN.sub('name="enrolment" type="hidden" value="forged"', page)
    response = _confirm(client, page, pyotp.TOTP(secret).now())
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_download_recovery_codes_as_text(client, sign_in, user_factory):
    user_factory(email="dl@example.org")
    sign_in("dl@example.org")
    page, secret = _enrol_page(client)
    shown = _confirm(client, page, pyotp.TOTP(secret).now()).get_data(as_text=True)
    codes = re.findall(r"data-recovery-code>([a-z0-9-]+)<", shown)
    token = CSRF_RE.search(shown).group(1)
    data = {"csrf_token": token, **{f"codes-{i}": c for i, c in enumerate(codes)}}
    response = client.post("/account/recovery-codes/download", data=data)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    assert all(code in response.get_data(as_text=True) for code in codes)
    forged = client.post(
        "/account/recovery-codes/download", data={**data, "codes-0": "aaaaa-bbbbb"}
    )
    assert forged.status_code == 400


def test_regenerating_codes_voids_the_old_ones(app, client, sign_in, user_factory):
    user_factory(email="regen@example.org", mfa=True)
    sign_in("regen@example.org")
    token = csrf_token_from(client, "/account/recovery-codes")
    first = client.post("/account/recovery-codes", data={"csrf_token": token}).get_data(
        as_text=True
    )
    old = re.findall(r"data-recovery-code>([a-z0-9-]+)<", first)
    token = csrf_token_from(client, "/account/recovery-codes")
    client.post("/account/recovery-codes", data={"csrf_token": token})
    fresh = app.test_client()
    password_step(fresh, "regen@example.org")
    assert code_step(fresh, old[0]).status_code == 400


def test_disable_mfa_needs_password_and_code_and_no_requiring_role(
    app, client, sign_in, user_factory, audit_rows
):
    user_factory(email="admin@example.org", roles=["Admin"], mfa=True)
    sign_in("admin@example.org")
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "cannot be turned off" in page
    token = csrf_token_from(client, "/logout")  # the page offers no form; post anyway
    refused = client.post(
        "/account/mfa/disable",
        data={
            "csrf_token": token,
            "password": PASSWORD,
            "code": pyotp.TOTP(TOTP_SECRET).now(),
        },
    )
    assert refused.status_code == 400 and "cannot be turned off" in refused.get_data(as_text=True)
    assert audit_rows(action="auth.mfa.disabled") == []
    assert db.session.scalar(select(User.mfa_enrolled_at).where(User.email == "admin@example.org"))


def test_researcher_may_disable_mfa(app, client, sign_in, user_factory, audit_rows):
    user = user_factory(email="res@example.org", roles=["Researcher"], mfa=True)
    sign_in("res@example.org")
    token = csrf_token_from(client, "/account/mfa")
    wrong = client.post(
        "/account/mfa/disable", data={"csrf_token": token, "password": "not it at all", "code": "1"}
    )
    assert wrong.status_code == 400
    code = next_totp_code(app, "res@example.org")
    ok = client.post(
        "/account/mfa/disable", data={"csrf_token": token, "password": PASSWORD, "code": code}
    )
    assert ok.status_code == 303
    assert db.session.get(User, user.id).mfa_secret_encrypted is None
    assert len(audit_rows(action="auth.mfa.disabled")) == 1
