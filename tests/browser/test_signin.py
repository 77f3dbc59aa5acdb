"""Sign-in through a real headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.services.signin.sign_in import GENERIC_FAILURE
from tests.browser.helpers import browser_sign_in, browser_sign_out, submit_sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def account(app):
    """Bea, a Researcher (no MFA; committed: the live server serves her)."""
    with app.app_context():
        UserFactory(email="browser@example.org", name="Bea Browser", roles=["Researcher"])
        db.session.commit()


def test_sign_in_and_out_through_the_form(page, account):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    submit_sign_in(page, "browser@example.org")
    expect(page.get_by_role("heading", name="Welcome, Bea Browser")).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("browser@example.org")
    browser_sign_out(page)
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_the_generic_message(page, account):
    browser_sign_in(page, "browser@example.org", "definitely not it")
    expect(page.get_by_role("alert")).to_contain_text(GENERIC_FAILURE)
    expect(page.get_by_label("Email")).to_have_value("browser@example.org")
    expect(page.get_by_label("Password")).to_have_value("")


def test_empty_form_shows_field_errors(page):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
