"""Fixtures of the /workspaces tests: people of every kind and signing in as one of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.models import User
from tests.factories import UserFactory


@pytest.fixture
def make_pi(app_ctx: None) -> Callable[..., User]:
    """A PI (MFA enrolled, as the role requires)."""

    def _make(email: str, **values: Any) -> User:
        return UserFactory(email=email, roles=["PI"], mfa=True, **values)

    return _make


@pytest.fixture
def as_user(sign_in: Callable[..., Any], app_ctx: None) -> Callable[..., User]:
    """Create a user with these roles and sign the test client in as them."""

    def _as(email: str, *roles: str, **values: Any) -> User:
        mfa = any(role in ("Admin", "PI") for role in roles)
        user = UserFactory(email=email, roles=list(roles), mfa=mfa, **values)
        assert sign_in(email).status_code == 303
        return user

    return _as


@pytest.fixture
def admin(as_user: Callable[..., User]) -> User:
    """A signed-in Admin."""
    return as_user("admin@example.org", "Admin", name="Ada Admin")


@pytest.fixture
def pi(as_user: Callable[..., User]) -> User:
    """A signed-in PI."""
    return as_user("pi@example.org", "PI", name="Pat PI")
