"""Steps of the browser tests: signing in and out through the real forms in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.helpers.signin import PASSWORD


def submit_sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form the page shows."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def enter_code(page: Page, code: str) -> None:
    """Answer the /mfa step with ``code`` (a TOTP or recovery code)."""
    page.get_by_label("Authentication code").fill(code)
    page.get_by_role("button", name="Verify").click()


def browser_sign_in(
    page: Page, email: str, password: str = PASSWORD, *, code: str | None = None
) -> None:
    """Open /login and sign in: the password step, then ``code`` when one is given."""
    page.goto("/login")
    submit_sign_in(page, email, password)
    if code is not None:
        enter_code(page, code)


def browser_sign_out(page: Page) -> None:
    """Sign out with the navigation bar's button; the sign-in page says so."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
