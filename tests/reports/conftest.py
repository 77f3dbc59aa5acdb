"""Fixtures of the /reports tests: a cast of people and workspaces, test kinds, job runs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from portal.models import User, Workspace
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.reports.kinds import TEST_KINDS


@dataclass
class Cast:
    """Two workspaces, A and B, each run by its own PI, with a researcher in each."""

    admin: User
    pi_a: User
    pi_b: User
    researcher_a: User
    researcher_a2: User
    researcher_b: User
    analyst: User
    viewer: User
    ws_a: Workspace
    ws_b: Workspace


@pytest.fixture
def cast(app_ctx: None) -> Cast:
    """The people and workspaces most tests use (nobody signed in yet)."""
    pi_a = UserFactory(email="pi-a@example.org", name="Pat A", roles=["PI"], mfa=True)
    pi_b = UserFactory(email="pi-b@example.org", name="Pam B", roles=["PI"], mfa=True)
    ws_a = WorkspaceFactory(name="Alpha", slug="alpha", owner=pi_a)
    ws_b = WorkspaceFactory(name="Beta", slug="beta", owner=pi_b)
    researcher_a = UserFactory(email="res-a@example.org", name="Rae A", roles=["Researcher"])
    researcher_a2 = UserFactory(email="res-a2@example.org", name="Rex A", roles=["Researcher"])
    researcher_b = UserFactory(email="res-b@example.org", name="Rob B", roles=["Researcher"])
    analyst = UserFactory(email="analyst@example.org", name="Ana Lyst", roles=["Analyst"])
    viewer = UserFactory(email="viewer@example.org", name="Vic View", roles=["Viewer"])
    MemberFactory(workspace=ws_a, user=researcher_a, role="editor")
    MemberFactory(workspace=ws_a, user=researcher_a2, role="editor")
    MemberFactory(workspace=ws_a, user=analyst, role="viewer")
    MemberFactory(workspace=ws_b, user=researcher_b, role="editor")
    MemberFactory(workspace=ws_a, user=viewer, role="viewer")
    admin = UserFactory(email="admin@example.org", name="Ada Admin", roles=["Admin"], mfa=True)
    return Cast(
        admin, pi_a, pi_b, researcher_a, researcher_a2, researcher_b, analyst, viewer, ws_a, ws_b
    )


@pytest.fixture
def test_kinds(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offer the test-only kinds (slow, broken, flaky) in this app."""
    monkeypatch.setitem(app.config, "REPORT_EXTRA_KINDS", TEST_KINDS)
