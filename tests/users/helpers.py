"""Helpers of the /users tests: reading pages and taking before/after pictures of the DB."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditLog, PasswordToken, Role, User, UserRole, UserSession
from portal.models.base import utcnow
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import PASSWORD, next_totp_code

USER_ROW = re.compile(r'data-user-row="([^"]+)"')
NEXT_LINK = re.compile(r'<a class="page-link" rel="next" href="([^"]+)"')
PREV_LINK = re.compile(r'<a class="page-link" rel="prev" href="([^"]+)"')
ERROR_DETAIL = re.compile(r"<p data-error-detail>([^<]*)</p>")
STATE_COLUMNS = (
    "email",
    "name",
    "is_active",
    "version",
    "locked_until",
    "failed_login_count",
    "lockout_count",
    "mfa_enrolled_at",
    "mfa_secret_encrypted",
    "must_change_password",
    "password_hash",
)


def text(response: Any) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def listed_emails(response: Any) -> list[str]:
    """The emails of the rows on a list page, in order."""
    return [html.unescape(e) for e in USER_ROW.findall(text(response))]


def link(pattern: re.Pattern[str], response: Any) -> str | None:
    """The (unescaped) href that ``pattern`` finds on the page, if any."""
    match = pattern.search(text(response))
    return html.unescape(match.group(1)) if match else None


def error_detail(response: Any) -> str:
    """The explanation a 400 page gives."""
    match = ERROR_DETAIL.search(text(response))
    assert match, text(response)[:2000]
    return html.unescape(match.group(1))


def add_role(user: User, role: Role) -> None:
    """Give ``user`` a role directly in the test's session."""
    db.session.add(UserRole(user_id=user.id, role_id=role.id))
    db.session.flush()
    db.session.expire(user, ["roles", "role_links"])


def role_id(name: str) -> uuid.UUID:
    """The id of the role called ``name``."""
    return db.session.scalar(sa.select(Role.id).where(Role.name == name))


def make_session(user: User, **values: Any) -> UserSession:
    """A server-side session row for ``user`` (live unless told otherwise)."""
    now = utcnow()
    row = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=values.pop("created_at", now - timedelta(minutes=5)),
        last_seen_at=values.pop("last_seen_at", now),
        expires_at=values.pop("expires_at", now + timedelta(hours=1)),
        ip=values.pop("ip", "192.0.2.10"),
        user_agent=values.pop("user_agent", "Mozilla/5.0 (Test) Firefox/999"),
        **values,
    )
    db.session.add(row)
    db.session.flush()
    return row


def live_session_ids(user_id: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the user's sessions that are not revoked."""
    stmt = sa.select(UserSession.id).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    return set(db.session.scalars(stmt))


def user_state(user_id: uuid.UUID) -> dict[str, Any]:
    """Everything an administrator's action could change about a user."""
    user = db.session.get(User, user_id)
    assert user is not None
    state = {name: getattr(user, name) for name in STATE_COLUMNS}
    state["roles"] = sorted(role.name for role in user.roles)
    state["live_sessions"] = live_session_ids(user_id)
    state["password_tokens"] = db.session.scalar(
        sa.select(sa.func.count()).where(PasswordToken.user_id == user_id)
    )
    return state


def audit_count() -> int:
    """How many audit rows exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def user_count() -> int:
    """How many users exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def sign_in_with(app: Flask, client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in on another browser (client): the password, then the MFA code if asked."""
    token = csrf_token_from(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    if response.status_code == 303 and response.headers["Location"].startswith("/mfa"):
        token = csrf_token_from(client, "/mfa")
        code = next_totp_code(app, email)
        response = client.post("/mfa", data={"csrf_token": token, "code": code})
    return response
