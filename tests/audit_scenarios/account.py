"""Own-account scenarios: sessions, password, MFA enrolment and recovery codes."""

from __future__ import annotations

import re

import pyotp

from portal.extensions import db
from portal.services.identity.password_links import issue_password_link
from portal.services.signin import mfa
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import UserFactory
from tests.helpers.signin import PASSWORD, next_totp_code
from tests.users.helpers import make_session

NEW_PASSWORD = "a fresh and rather long passphrase 42"
ENROL_SECRET = re.compile(r"data-totp-secret>([A-Z2-7]+)<")
ENROLMENT = re.compile(r'name="enrolment" type="hidden" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@scenario("account.end_own_session")
def account_end_own_session(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    other = make_session(user)  # the same person signed in on another device
    ctx.post(f"/account/sessions/{other.id}/end", form="/account/sessions")
    assert ctx.response.headers["Location"] == "/account/sessions"


@scenario("account.mfa_disable")
def account_mfa_disable(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))  # no role requires MFA
    code = next_totp_code(ctx.app, user.email)
    ctx.post("/account/mfa/disable", {"password": PASSWORD, "code": code}, form="/account/mfa")


@scenario("account.mfa_setup")
def account_mfa_setup(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    page = ctx.client.get("/account/mfa").get_data(as_text=True)
    secret = ENROL_SECRET.search(page).group(1)
    data = {"enrolment": ENROLMENT.search(page).group(1), "code": pyotp.TOTP(secret).now()}
    ctx.post("/account/mfa", data, token=CSRF.search(page).group(1))
    assert ctx.response.status_code == 200
    assert "data-recovery-code>" in ctx.response.get_data(as_text=True)


@scenario("account.password")
def account_password(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ctx.post("/account/password", data)


@scenario("account.recovery_codes")
def account_recovery_codes(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))
    ctx.post("/account/recovery-codes")
    assert "data-recovery-code>" in ctx.response.get_data(as_text=True)


@scenario("account.recovery_codes_download")
def account_recovery_codes_download(ctx: Ctx) -> None:
    user = ctx.sign_in_as(UserFactory(roles=["Viewer"], mfa=True))
    with ctx.app.test_request_context():
        codes = mfa.regenerate_recovery_codes(user)
    db.session.flush()
    data = {f"codes-{i}": code for i, code in enumerate(codes)}
    ctx.post("/account/recovery-codes/download", data, form="/account/recovery-codes")
    assert ctx.response.mimetype == "text/plain"
    assert codes[0] in ctx.response.get_data(as_text=True)


@scenario("account.set_password")
def account_set_password(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    token = issue_password_link(user, actor=None)
    db.session.flush()
    ctx.expect_actor(user)  # the person choosing their password is the actor
    path = f"/account/set-password/{token}"
    ctx.post(path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ctx.response.headers["Location"] == "/login"
