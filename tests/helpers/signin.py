"""Signing in through the real forms: the password step, then the /mfa code when asked."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import User
from tests import factories
from tests.helpers.pages import csrf_token_from, text

PASSWORD = factories.PASSWORD


def next_totp_code(app: Flask, email: str) -> str:
    """A TOTP code for TOTP_SECRET whose time-step the user has not used yet."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
        last = user.mfa_last_timestep if user is not None else None
    totp = pyotp.TOTP(factories.TOTP_SECRET)
    step = totp.timecode(time.time())
    if last is not None and last >= step - 1:
        step = last + 1  # still within the ±1 window when last is the current step
    return totp.generate_otp(step)


def password_step(
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    *,
    path: str = "/login",
    headers: dict[str, str] | None = None,
) -> Any:
    """Post the sign-in form (a user with MFA then owes a code)."""
    token = csrf_token_from(client, path)
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post(path, data=data, headers=headers or {})


def code_step(client: FlaskClient, code: str) -> Any:
    """Post the /mfa form with ``code``."""
    token = csrf_token_from(client, "/mfa")
    return client.post("/mfa", data={"csrf_token": token, "code": code})


def sign_in_with(
    app: Flask,
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    *,
    path: str = "/login",
    mfa: bool = True,
) -> Any:
    """Sign ``client`` in: the password, then (unless ``mfa=False``) the next unused TOTP
    code when /mfa asks for one. Returns the last response."""
    response = password_step(client, email, password, path=path)
    if mfa and response.status_code == 303 and response.headers["Location"].startswith("/mfa"):
        response = code_step(client, next_totp_code(app, email))
    return response


def assert_signed_in(response: Any) -> None:
    """The sign-in ended on the dashboard: nothing (code, set-up) is still owed."""
    assert response.status_code == 303, (response.status_code, text(response)[:2000])
    assert response.headers["Location"] == "/", response.headers["Location"]


def sign_out(client: FlaskClient) -> Any:
    """Post the sign-out form."""
    return client.post("/logout", data={"csrf_token": csrf_token_from(client, "/logout")})


def signed_in_client(app: Flask, user: User | str) -> FlaskClient:
    """Another browser: a new test client of ``app``, signed in as ``user`` (or the user
    with this email) all the way to the dashboard."""
    client = app.test_client()
    assert_signed_in(sign_in_with(app, client, user if isinstance(user, str) else user.email))
    return client
