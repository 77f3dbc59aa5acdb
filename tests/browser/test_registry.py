"""The model registry in a real Chromium: a Researcher registers a version through the form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import MLModel
from tests.browser.helpers import browser_sign_in
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def genomics_researcher(app):
    """Rita, an editor of Genomics Lab (committed: the live server serves her)."""
    with app.app_context():
        owner = UserFactory(email="owner@example.org", roles=["PI"], mfa=True)
        workspace = WorkspaceFactory(name="Genomics Lab", slug="genomics", owner=owner)
        user = UserFactory(email="rita@example.org", name="Rita Research", roles=["Researcher"])
        MemberFactory(workspace=workspace, user=user, role="editor")
        db.session.commit()


def test_a_researcher_registers_a_model_version(app, page, genomics_researcher):
    browser_sign_in(page, "rita@example.org")
    page.get_by_role("link", name="Models").click()
    page.get_by_role("link", name="Register a version").click()
    expect(page.get_by_role("heading", name="Register a model version")).to_be_visible()

    page.get_by_label("Workspace").select_option(label="Genomics Lab")
    page.get_by_label("Name", exact=True).fill("variant-caller")
    page.get_by_label("Version").fill("2.1.0")
    page.get_by_label("Framework").select_option("jax")
    page.get_by_label("Task").select_option("classification")
    page.get_by_label("Artifact URI").fill("gs://omniscope-models/variant-caller/2.1.0")
    page.get_by_label("Metrics (JSON)").fill('{"accuracy": "high"}')
    page.get_by_label("Parameters (JSON)").fill('{"layers": [128, 64], "dropout": 0.1}')
    page.get_by_role("button", name="Register").click()

    # Refused with the reason next to the field; what was typed is kept.
    expect(page.get_by_text("metrics.accuracy must be a number, not a string.")).to_be_visible()
    expect(page.get_by_label("Metrics (JSON)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Version")).to_have_value("2.1.0")

    page.get_by_label("Metrics (JSON)").fill('{"accuracy": 0.97, "f1": 0.95}')
    page.get_by_role("button", name="Register").click()

    expect(page).to_have_url(re.compile(r"/models/[0-9a-f-]{36}$"))
    expect(
        page.get_by_text("Registered variant-caller 2.1.0 in Genomics Lab, in draft.")
    ).to_be_visible()
    expect(page.locator("[data-model-version]")).to_have_text("2.1.0")
    expect(page.locator("[data-metrics]")).to_contain_text('"accuracy": 0.97')
    expect(page.locator("[data-stage-form]")).to_have_count(0)  # a Researcher cannot stage
    expect(page.get_by_role("cell", name="Registered in draft")).to_be_visible()

    with app.app_context():
        model = db.session.scalar(sa.select(MLModel).where(MLModel.name == "variant-caller"))
        assert model.stage == "draft" and model.framework == "jax"
        assert model.parameters == {"layers": [128, 64], "dropout": 0.1}
