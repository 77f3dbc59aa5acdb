"""Fixtures of the /workspaces tests: PIs to own workspaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.models import User
from tests.factories import UserFactory


@pytest.fixture
def make_pi(app_ctx: None) -> Callable[..., User]:
    """A PI (MFA enrolled, as the role requires), not signed in."""

    def _make(email: str, **values: Any) -> User:
        return UserFactory(email=email, roles=["PI"], mfa=True, **values)

    return _make
