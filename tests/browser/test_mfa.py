"""MFA in a real Chromium: forced enrolment, codes once, recovery codes once."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.helpers import browser_sign_in, browser_sign_out, enter_code
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


EMAIL = "mfa-admin@example.org"


def test_admin_enrols_then_signs_in_with_codes(app, page):
    with app.app_context():
        UserFactory(email=EMAIL, name="Mia Admin", roles=["Admin"])
        db.session.commit()

    # Signing in without MFA leads straight to enrolment; nothing else opens.
    browser_sign_in(page, EMAIL)
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
    browser_sign_out(page)

    # A new code: the enrolment used the current step, so use the next one (±1 window).
    code = totp.at(time.time() + totp.interval)
    browser_sign_in(page, EMAIL)
    enter_code(page, code)
    expect(page.get_by_role("heading", name="Welcome, Mia Admin")).to_be_visible()
    browser_sign_out(page)

    # The same code again is refused.
    browser_sign_in(page, EMAIL)
    enter_code(page, code)
    expect(page.get_by_text("That code is not valid or has already been used.")).to_be_visible()

    # A recovery code works once.
    enter_code(page, codes[0])
    expect(page.get_by_role("heading", name="Welcome, Mia Admin")).to_be_visible()
    expect(page.get_by_text("You used a recovery code")).to_be_visible()
    browser_sign_out(page)
    browser_sign_in(page, EMAIL)
    enter_code(page, codes[0])
    expect(page.get_by_text("That code is not valid or has already been used.")).to_be_visible()
