"""Helpers of the /users tests: reading pages and taking before/after pictures of the DB."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import PasswordToken, Role, User, UserSession
from portal.models.base import utcnow
from tests.helpers.pages import text
from tests.helpers.records import row_count

USER_ROW = re.compile(r'data-user-row="([^"]+)"')
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


def listed_emails(response: Any) -> list[str]:
    """The emails of the rows on a list page, in order."""
    return [html.unescape(e) for e in USER_ROW.findall(text(response))]


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


def user_count() -> int:
    """How many users exist."""
    return row_count(User)
