"""Workspaces in a real Chromium: a PI creates one through the form and adds a member."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.helpers import browser_sign_in
from tests.factories import UserFactory
from tests.helpers.signin import next_totp_code

pytestmark = pytest.mark.browser


@pytest.fixture
def people(app):
    with app.app_context():
        UserFactory(email="pi-browser@example.org", name="Pia Browser", roles=["PI"], mfa=True)
        UserFactory(email="colleague@example.org", name="Cole League", roles=["Researcher"])
        db.session.commit()


def test_a_pi_creates_a_workspace_and_adds_a_member(app, page, people):
    browser_sign_in(
        page, "pi-browser@example.org", code=next_totp_code(app, "pi-browser@example.org")
    )
    expect(page.get_by_test_id("signed-in-as")).to_have_text("pi-browser@example.org")
    page.get_by_role("link", name="Workspaces").click()
    expect(page.get_by_role("heading", name="Workspaces")).to_be_visible()
    page.get_by_role("link", name="New workspace").click()

    # An empty name is refused with a field error, nothing created.
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text("Enter a name.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Name", exact=True).fill("Pathway Atlas")
    page.get_by_label("Description").fill("Reactome pathways, annotated.")
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text("Created Pathway Atlas.")).to_be_visible()
    expect(page.get_by_role("heading", name="Pathway Atlas")).to_be_visible()
    expect(page.locator("code", has_text="pathway-atlas")).to_be_visible()

    page.get_by_role("link", name="Members and their last positions").click()
    expect(page.get_by_role("heading", name="Members of Pathway Atlas")).to_be_visible()
    page.get_by_label("Email").fill("colleague@example.org")
    page.get_by_label("Workspace role").select_option("editor")
    page.get_by_role("button", name="Add member").click()
    expect(
        page.get_by_text("colleague@example.org joined Pathway Atlas as editor.")
    ).to_be_visible()
    row = page.locator('tr[data-member-row="colleague@example.org"]')
    expect(row).to_contain_text("Not opened yet")
    expect(row.get_by_label("Role of colleague@example.org")).to_have_value("editor")

    # Make them a viewer from their row.
    row.get_by_label("Role of colleague@example.org").select_option("viewer")
    row.get_by_role("button", name="Change").click()
    expect(page.get_by_text("colleague@example.org is now a viewer.")).to_be_visible()
