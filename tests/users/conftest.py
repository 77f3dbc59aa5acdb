"""Fixtures of the /users tests: a signed-in administrator, PI, researcher or user manager."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.extensions import db
from portal.models import Role, User
from tests.users.helpers import add_role


@pytest.fixture
def admin(sign_in: Callable[..., Any], user_factory: Any) -> User:
    """An Admin (MFA enrolled), signed in with the test client."""
    user = user_factory(email="admin@example.org", name="Ada Admin", roles=["Admin"], mfa=True)
    assert sign_in(user.email).status_code == 303
    return user


@pytest.fixture
def pi(sign_in: Callable[..., Any], user_factory: Any) -> User:
    """A PI (users.view, not users.manage), signed in."""
    user = user_factory(email="pi@example.org", name="Pat PI", roles=["PI"], mfa=True)
    assert sign_in(user.email).status_code == 303
    return user


@pytest.fixture
def manager_role(app_ctx: None) -> Role:
    """A custom role holding users.view and users.manage, but not Admin."""
    role = Role(
        name="Account manager",
        description="Manages accounts only.",
        permissions=["users.view", "users.manage"],
        requires_mfa=False,
    )
    db.session.add(role)
    db.session.flush()
    return role


@pytest.fixture
def manager(sign_in: Callable[..., Any], user_factory: Any, manager_role: Role) -> User:
    """A signed-in user who may manage users without being an Admin."""
    user = user_factory(email="manager@example.org", name="Max Manager")
    add_role(user, manager_role)
    assert sign_in(user.email).status_code == 303
    return user
