"""Fixtures of the /plugins tests: a registered plugin."""

from __future__ import annotations

from typing import Any

import pytest

from portal.models import Plugin
from portal.services.plugins.changes import register_plugin
from tests.plugins.helpers import manifest


@pytest.fixture
def registered(user_factory: Any) -> Plugin:
    """gene-lens 1.0.0, registered through the service (disabled, defaults as config)."""
    owner = user_factory(email="owner@example.org", roles=["Admin"], mfa=True)
    return register_plugin(manifest(), actor=owner)
