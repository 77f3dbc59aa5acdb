"""MFA in a real Chromium: forced enrolment, codes once, recovery codes once."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.factories import UserFactory
from tests.helpers.signin import PASSWORD

pytestmark = pytest.mark.browser


def _password_step(page, email="mfa-admin@example.org"):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _code_step(page, code):
    page.get_by_label("Authentication code").fill(code)
    page.get_by_role("button", name="Verify").click()


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_admin_enrols_then_signs_in_with_codes(app, page):
    with app.app_context():
        UserFactory(email="mfa-admin@example.org", name="Mia Admin", roles=["Admin"])
        db.session.commit()

    # Signing in without MFA leads straight to enrolment; nothing else opens.
    _password_step(page)
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.locator("figure.qr-code svg")).to_be_visible()

    secret = page.locator("[data-totp-secret]").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Two-factor authentication is on.")).to_be_visible()
    codes = [c.strip() for c in page.locator("[data-recovery-code]").all_inner_texts()]
    assert len(codes) == 10

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download as a text file").click()
    saved = download_info.value.path().read_text()
    assert all(code in saved for code in codes)

    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Welcome, Mia Admin")).to_be_visible()
    _sign_out(page)

    # A new code: the enrolment used the current step, so use the next one (±1 window).
    code = totp.at(time.time() + totp.interval)
    _password_step(page)
    _code_step(page, code)
    expect(page.get_by_role("heading", name="Welcome, Mia Admin")).to_be_visible()
    _sign_out(page)

    # The same code again is refused.
    _password_step(page)
    _code_step(page, code)
    expect(page.get_by_text("That code is not valid or has already been used.")).to_be_visible()

    # A recovery code works once.
    _code_step(page, codes[0])
    expect(page.get_by_role("heading", name="Welcome, Mia Admin")).to_be_visible()
    expect(page.get_by_text("You used a recovery code")).to_be_visible()
    _sign_out(page)
    _password_step(page)
    _code_step(page, codes[0])
    expect(page.get_by_text("That code is not valid or has already been used.")).to_be_visible()
