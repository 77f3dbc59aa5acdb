"""Sign-in through a real headless Chromium."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from portal.extensions import db
from portal.services.auth import GENERIC_FAILURE
from tests.conftest import PASSWORD
from tests.factories import UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message):
        # A 4xx page (a refused form) is logged as a failed load; scripts' errors are not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response):
        if response.request.resource_type != "document" and response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    yield page
    context.close()
    assert errors == [], f"browser errors: {errors}"


@pytest.fixture
def researcher(app):
    with app.app_context():
        UserFactory(email="browser@example.org", name="Bea Browser", roles=["Researcher"])
        db.session.commit()


def test_sign_in_and_out_through_the_form(page, researcher):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    page.get_by_label("Email").fill("browser@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Bea Browser")).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("browser@example.org")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_the_generic_message(page, researcher):
    page.goto("/login")
    page.get_by_label("Email").fill("browser@example.org")
    page.get_by_label("Password").fill("definitely not it")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(GENERIC_FAILURE)
    expect(page.get_by_label("Email")).to_have_value("browser@example.org")
    expect(page.get_by_label("Password")).to_have_value("")


def test_empty_form_shows_field_errors(page):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
