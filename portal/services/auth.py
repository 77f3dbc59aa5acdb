"""Password sign-in and sign-out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow
from portal.request_meta import current_request_meta
from portal.security.passwords import hash_password, needs_rehash, verify_password
from portal.services import audit
from portal.services.sessions import end_session, start_session

# One message for every failure, so a reply never tells whether an account exists.
GENERIC_FAILURE = "The email or password is not correct, or the account cannot sign in."


@dataclass(frozen=True)
class SignInResult:
    """The user on success; otherwise None and the reason kept for the audit trail only."""

    user: User | None
    reason: str | None = None


def normalise_email(email: str) -> str:
    """Emails are compared and stored lower-cased."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def check_password(email: str, password: str) -> SignInResult:
    """Verify credentials at constant cost; record the failure in the audit trail."""
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    reason = None
    if user is None:
        reason = "unknown account"
    elif not password_ok:
        reason = "wrong password"
    elif not user.is_active:
        reason = "account deactivated"
    elif user.locked_until is not None and user.locked_until > utcnow():
        reason = "account locked"
    if reason is not None:
        if user is not None and not password_ok:
            user.failed_login_count += 1
        audit.record(
            audit.Action.LOGIN_FAILURE,
            target=user,
            target_type="user",
            actor=None,
            actor_email=normalise_email(email)[:254],
            details={"reason": reason},
        )
        return SignInResult(None, reason)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignInResult(user)


def complete_sign_in(user: User) -> UserSession:
    """Open a server-side session for ``user`` and record the sign-in."""
    meta = current_request_meta()
    user.last_login_at = utcnow()
    user.last_login_ip = meta.ip if meta else None
    user.failed_login_count = 0
    row = start_session(user)
    audit.record(
        audit.Action.LOGIN_SUCCESS, target=user, actor=user, details={"session_id": str(row.id)}
    )
    return row


def sign_out(user: User, sid: str | None) -> None:
    """End the current server-side session (if it is still there)."""
    row = db.session.get(UserSession, _as_uuid(sid)) if sid else None
    if row is not None and row.user_id == user.id:
        end_session(row, reason="signed out")
    else:
        audit.record(audit.Action.LOGOUT, target=user, actor=user)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
