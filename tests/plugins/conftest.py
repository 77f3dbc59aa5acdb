"""Fixtures of the /plugins tests: a signed-in administrator, and registered plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.models import Plugin, User
from portal.services.plugins.changes import register_plugin
from tests.plugins.helpers import manifest


@pytest.fixture
def admin(sign_in: Callable[..., Any], user_factory: Any) -> User:
    """An Admin (MFA enrolled), signed in with the test client."""
    user = user_factory(email="admin@example.org", name="Ada Admin", roles=["Admin"], mfa=True)
    assert sign_in(user.email).status_code == 303
    return user


@pytest.fixture
def registered(user_factory: Any) -> Plugin:
    """gene-lens 1.0.0, registered through the service (disabled, defaults as config)."""
    owner = user_factory(email="owner@example.org", roles=["Admin"], mfa=True)
    return register_plugin(manifest(), actor=owner)
