"""The plugin registry in a real Chromium: an Admin pastes a manifest and enables the plugin."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.helpers import browser_sign_in
from tests.factories import UserFactory
from tests.helpers.signin import next_totp_code
from tests.plugins.helpers import manifest

pytestmark = pytest.mark.browser


def test_admin_registers_and_enables_a_plugin(app, page):
    with app.app_context():
        UserFactory(email="plugin-admin@example.org", roles=["Admin"], mfa=True)
        db.session.commit()

    browser_sign_in(
        page, "plugin-admin@example.org", code=next_totp_code(app, "plugin-admin@example.org")
    )

    page.get_by_role("link", name="Plugins").click()
    page.get_by_role("link", name="Register a plugin").click()
    page.get_by_label("Manifest (JSON)").fill("{ not json")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Manifest is not valid JSON:")).to_be_visible()

    page.get_by_label("Manifest (JSON)").fill(json.dumps(manifest(), indent=2))
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("gene-lens 1.0.0 was registered.")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Disabled")

    page.get_by_role("link", name="Review and enable").click()
    review = page.locator("[data-permission-review]")
    expect(review).to_contain_text("models.view")
    expect(review).to_contain_text("Read the ML model registry.")
    page.get_by_role("button", name="Approve permissions and enable").click()
    expect(
        page.get_by_text("gene-lens is enabled with the permissions you approved.")
    ).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Enabled")
