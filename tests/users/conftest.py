"""Fixtures of the /users tests: a user manager who is not an Admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.models import User


@pytest.fixture
def manager(
    user_factory: Any, make_role: Callable[..., Any], sign_in_as: Callable[[User], User]
) -> User:
    """A signed-in user whose custom role may view and manage users, without being an Admin."""
    user = user_factory(email="manager@example.org", name="Max Manager")
    make_role(
        "Account manager",
        ["users.view", "users.manage"],
        description="Manages accounts only.",
        holders=[user],
    )
    return sign_in_as(user)
