"""Sign-in scenarios: the password step, the MFA step, failures, limits and signing out."""

from __future__ import annotations

import time

from portal.extensions import db
from portal.services.signin import mfa
from portal.services.signin.ratelimit import WINDOW_SECONDS
from tests.audit_scenarios.context import Ctx, scenario
from tests.factories import UserFactory
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import PASSWORD, next_totp_code


@scenario("auth.login")
def auth_login(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    ctx.expect_actor(user)
    token = csrf_token_from(ctx.client, "/login")
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, token=token)
    assert ctx.response.headers["Location"] == "/"


@scenario("auth.login:password_step")
def auth_login_password_step(ctx: Ctx) -> None:
    """A user with MFA: the password step alone signs nobody in, so it records nothing."""
    user = UserFactory(roles=["Admin"], mfa=True)
    ctx.expect_actor(user)
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, form="/login")
    assert ctx.response.headers["Location"].startswith("/mfa")


@scenario("auth.login:failure")
def auth_login_failure(ctx: Ctx) -> None:
    user = UserFactory(roles=["Viewer"])
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": user.email, "password": "not the password at all"})


@scenario("auth.login:unknown_email")
def auth_login_unknown(ctx: Ctx) -> None:
    ctx.expect_actor(None, "nobody-here@example.org")
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": "Nobody-Here@example.org", "password": "whatever it is"})


@scenario("auth.login:lockout")
def auth_login_lockout(ctx: Ctx) -> None:
    """The failure that reaches the threshold locks the account (lockout, then failure)."""
    threshold = ctx.app.config["LOCKOUT_THRESHOLD"]
    user = UserFactory(roles=["Viewer"], failed_login_count=threshold - 1)
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/login", {"email": user.email, "password": "not the password at all"})


def fresh_rate_limit_window() -> None:
    """Wait for the next one-minute rate-limit window when this one is about to end, so
    that the failures counted below and the request under test share a window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 3:
        time.sleep(left + 0.05)


def _exhaust_login_limit(ctx: Ctx, email: str) -> None:
    fresh_rate_limit_window()
    for _ in range(ctx.app.config["LOGIN_LIMIT_PER_ACCOUNT"]):
        token = csrf_token_from(ctx.client, "/login")
        data = {"csrf_token": token, "email": email, "password": "wrong password!"}
        assert ctx.client.post("/login", data=data).status_code == 400


@scenario("auth.login:rate_limited")
def auth_login_rate_limited(ctx: Ctx) -> None:
    """The first refused attempt of a window is recorded (even with the right password)."""
    user = UserFactory(roles=["Viewer"])
    _exhaust_login_limit(ctx, user.email)
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/login", {"email": user.email, "password": PASSWORD})


@scenario("auth.login:rate_limited_again")
def auth_login_rate_limited_again(ctx: Ctx) -> None:
    """Later refusals in the same window are not recorded again (no flooding the trail)."""
    user = UserFactory(roles=["Viewer"])
    _exhaust_login_limit(ctx, user.email)
    token = csrf_token_from(ctx.client, "/login")
    data = {"csrf_token": token, "email": user.email, "password": PASSWORD}
    assert ctx.client.post("/login", data=data).status_code == 429
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/login", {"email": user.email, "password": PASSWORD}, token=token)


@scenario("auth.mfa")
def auth_mfa(ctx: Ctx) -> None:
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(user)
    ctx.post("/mfa", {"code": next_totp_code(ctx.app, user.email)})
    assert ctx.response.headers["Location"] == "/"


@scenario("auth.mfa:failure")
def auth_mfa_failure(ctx: Ctx) -> None:
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (400,)
    ctx.post("/mfa", {"code": "000000"})


@scenario("auth.mfa:recovery_code")
def auth_mfa_recovery_code(ctx: Ctx) -> None:
    user = UserFactory(roles=["Researcher"], mfa=True)
    with ctx.app.test_request_context():
        codes = mfa.regenerate_recovery_codes(user)
    db.session.flush()
    assert ctx.password_step(user.email).status_code == 303
    ctx.expect_actor(user)
    ctx.post("/mfa", {"code": codes[0]})
    assert ctx.response.headers["Location"] == "/"


@scenario("auth.mfa:rate_limited")
def auth_mfa_rate_limited(ctx: Ctx) -> None:
    """Past the per-user code limit the /mfa step answers 429."""
    user = UserFactory(roles=["Admin"], mfa=True)
    assert ctx.password_step(user.email).status_code == 303
    fresh_rate_limit_window()
    for _ in range(ctx.app.config["MFA_LIMIT_PER_USER"]):
        token = csrf_token_from(ctx.client, "/mfa")
        assert (
            ctx.client.post("/mfa", data={"csrf_token": token, "code": "000000"}).status_code == 400
        )
    ctx.expect_actor(None, user.email)
    ctx.ok_statuses = (429,)
    ctx.post("/mfa", {"code": next_totp_code(ctx.app, user.email)})


@scenario("auth.logout")
def auth_logout(ctx: Ctx) -> None:
    ctx.sign_in_as(UserFactory(roles=["Viewer"]))
    ctx.post("/logout")
    assert ctx.response.headers["Location"] == "/login"
