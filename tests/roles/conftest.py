"""Fixtures for the /roles tests: a signed-in Admin, custom roles, a second browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Role, User, UserRole
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import PASSWORD, next_totp_code

ADMIN_EMAIL = "admin@example.org"


@pytest.fixture
def admin(user_factory: Any, sign_in: Callable[..., Any]) -> User:
    """An Admin (enrolled in MFA), signed in on ``client``."""
    user = user_factory(email=ADMIN_EMAIL, roles=["Admin"], mfa=True)
    response = sign_in(ADMIN_EMAIL)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    return user


@pytest.fixture
def make_role(app_ctx: None) -> Callable[..., Role]:
    """Create a custom role, optionally held by ``holders``."""

    def _make(
        name: str,
        permissions: Iterable[str] = (),
        *,
        requires_mfa: bool = False,
        description: str = "",
        holders: Iterable[User] = (),
    ) -> Role:
        role = Role(
            name=name,
            description=description,
            permissions=list(permissions),
            requires_mfa=requires_mfa,
            is_builtin=False,
        )
        db.session.add(role)
        db.session.flush()
        for user in holders:
            db.session.add(UserRole(user_id=user.id, role_id=role.id))
        db.session.flush()
        return role

    return _make


@pytest.fixture
def browser(app: Flask) -> Callable[[str], FlaskClient]:
    """A second, independent client signed in as ``email`` (password, then MFA if asked)."""

    def _browser(email: str) -> FlaskClient:
        other = app.test_client()
        token = csrf_token_from(other, "/login")
        response = other.post(
            "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
        )
        if response.headers.get("Location", "").startswith("/mfa"):
            token = csrf_token_from(other, "/mfa")
            code = next_totp_code(app, email)
            response = other.post("/mfa", data={"csrf_token": token, "code": code})
        assert response.status_code == 303, response.status_code
        return other

    return _browser


def role_by_name(name: str) -> Role | None:
    """The role called ``name`` as stored now."""
    return db.session.scalar(select(Role).where(Role.name == name))


def role_count() -> int:
    """How many roles exist."""
    return db.session.scalar(select(func.count()).select_from(Role)) or 0


def audit_count() -> int:
    """How many audit rows exist (refusals must add none of the role.* kind)."""
    stmt = select(func.count()).select_from(AuditLog).where(AuditLog.action.like("role.%"))
    return db.session.scalar(stmt) or 0


def page_text(response: Any) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def error_detail(response: Any) -> str:
    """The message a 400 page shows for a bad request."""
    match = re.search(r"<p data-error-detail>(.*?)</p>", page_text(response), re.S)
    return match.group(1) if match else ""
