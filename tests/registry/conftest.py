"""Fixtures of the /models tests: two workspaces and people in every place around them."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from portal.models import MLModel
from tests.factories import MemberFactory, MLModelFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def team(app_ctx: None) -> SimpleNamespace:
    """Workspace A (a PI owner, an editor Researcher, a viewer Researcher, an Analyst, a Viewer,
    an editor PI) and workspace B (another PI with an editor Researcher); plus an Admin."""
    pi = UserFactory(email="pi@example.org", roles=["PI"], mfa=True)
    ws_a = WorkspaceFactory(name="Alpha Lab", slug="alpha", owner=pi)
    pi_b = UserFactory(email="pi-b@example.org", roles=["PI"], mfa=True)
    ws_b = WorkspaceFactory(name="Beta Lab", slug="beta", owner=pi_b)
    people = {
        "researcher": ("Researcher", ws_a, "editor"),
        "reader": ("Researcher", ws_a, "viewer"),
        "analyst": ("Analyst", ws_a, "viewer"),
        "viewer": ("Viewer", ws_a, "viewer"),
        "editor_pi": ("PI", ws_a, "editor"),
        "researcher_b": ("Researcher", ws_b, "editor"),
    }
    team = SimpleNamespace(pi=pi, pi_b=pi_b, ws_a=ws_a, ws_b=ws_b)
    for key, (role, workspace, place) in people.items():
        user = UserFactory(email=f"{key.replace('_', '-')}@example.org", roles=[role], mfa=True)
        MemberFactory(workspace=workspace, user=user, role=place)
        setattr(team, key, user)
    team.admin = UserFactory(email="admin@example.org", roles=["Admin"], mfa=True)
    return team


@pytest.fixture
def model_factory(app_ctx: None) -> Callable[..., MLModel]:
    """MLModelFactory (metrics, parameters and stage may be given)."""
    return MLModelFactory
