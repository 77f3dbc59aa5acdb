"""Sign-in: password and second-factor checks, rate limits, lockout, sign-out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow
from portal.request_meta import current_request_meta
from portal.security.passwords import hash_password, needs_rehash, verify_password
from portal.services import audit
from portal.services.signin import ratelimit
from portal.services.signin.errors import MFAError, RateLimited
from portal.services.signin.mfa import verify_second_factor
from portal.services.signin.sessions import end_session, start_session
from portal.tx import lock_for_update

# One message for every failure, so a reply never tells whether an account exists.
GENERIC_FAILURE = "The email or password is not correct, or the account cannot sign in."
MFA_FAILURE = "That code is not valid or has already been used."


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


def get_user(user_id: uuid.UUID) -> User | None:
    """The account with this id, if any."""
    return db.session.get(User, user_id)


def is_locked(user: User) -> bool:
    """True while the account's lockout lasts."""
    return user.locked_until is not None and user.locked_until > utcnow()


def _client_ip() -> str | None:
    meta = current_request_meta()
    return meta.ip if meta else None


def check_password(email: str, password: str) -> SignInResult:
    """Verify credentials at constant cost; count and audit failures; 429 past the limit."""
    email = normalise_email(email)[:254]
    buckets = ratelimit.login_buckets(email, _client_ip())
    wait = ratelimit.retry_after(buckets)
    if wait is not None:
        if ratelimit.first_block_in_window(buckets[0]):
            audit.record(
                audit.Action.LOGIN_RATE_LIMITED, actor=None, actor_email=email, target_type="user"
            )
        raise RateLimited(wait)
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    reason = None
    if user is None:
        reason = "unknown account"
    elif not password_ok:
        reason = "wrong password"
    elif not user.is_active:
        reason = "account deactivated"
    elif is_locked(user):
        reason = "account locked"
    if reason is None and user is not None:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return SignInResult(user)
    ratelimit.record_failure(buckets)
    if user is not None and not password_ok:
        count_failure(user)
    audit.record(
        audit.Action.LOGIN_FAILURE,
        target=user,
        target_type="user",
        actor=None,
        actor_email=email,
        details={"reason": reason},
    )
    return SignInResult(None, reason)


def count_failure(user: User) -> None:
    """One more consecutive failure; at the threshold, lock for a period that doubles."""
    cfg = current_app.config
    lock_for_update(user)
    user.failed_login_count += 1
    if user.failed_login_count < cfg["LOCKOUT_THRESHOLD"]:
        return
    seconds = min(cfg["LOCKOUT_BASE_SECONDS"] * 2**user.lockout_count, cfg["LOCKOUT_MAX_SECONDS"])
    user.locked_until = utcnow() + timedelta(seconds=seconds)
    user.lockout_count += 1
    user.failed_login_count = 0
    audit.record(
        audit.Action.LOCKOUT,
        target=user,
        actor=None,
        actor_email=user.email,
        details={"seconds": seconds, "lockout": user.lockout_count},
    )


def check_second_factor(user: User, code: str) -> str:
    """Accept a TOTP or recovery code for ``user`` ("totp"/"recovery"); 429 past the limit."""
    buckets = ratelimit.mfa_buckets(str(user.id), _client_ip())
    wait = ratelimit.retry_after(buckets)
    if wait is not None:
        if ratelimit.first_block_in_window(buckets[0]):
            audit.record(
                audit.Action.LOGIN_RATE_LIMITED,
                target=user,
                actor=None,
                actor_email=user.email,
                details={"step": "mfa"},
            )
        raise RateLimited(wait)
    method = None
    if user.is_active and not is_locked(user):
        method = verify_second_factor(user, code)
    if method is not None:
        return method
    ratelimit.record_failure(buckets)
    count_failure(user)
    audit.record(audit.Action.MFA_FAILURE, target=user, actor=None, actor_email=user.email)
    raise MFAError(MFA_FAILURE)


def complete_sign_in(user: User, method: str = "password") -> UserSession:
    """Open a server-side session for ``user`` and record the sign-in."""
    lock_for_update(user)  # keeps the accepted TOTP step (flushes first)
    user.last_login_at = utcnow()
    user.last_login_ip = _client_ip()
    user.failed_login_count = 0
    user.lockout_count = 0
    row = start_session(user)
    audit.record(
        audit.Action.LOGIN_SUCCESS,
        target=user,
        actor=user,
        details={"session_id": str(row.id), "method": method},
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
