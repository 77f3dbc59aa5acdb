"""Failure counting in one-minute windows (the seed's rate-limit policy), in Redis.

Keys: ``omniscope:ratelimit:<scope>:<subject>:<window>``. If Redis is unreachable the
failures of the current window are counted in the database instead: every one of them
is an audit row (``auth.login.failure`` / ``auth.mfa.failure``) with the email, IP or
user it concerns, on indexed columns.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select

from portal.cache import get_cache
from portal.extensions import db
from portal.models import AuditLog

NAMESPACE = "ratelimit"
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Bucket:
    """One counted subject: a scope (``login-account``), who, and the allowed failures."""

    scope: str
    subject: str
    limit: int

    def key(self, window: int) -> str:
        digest = hashlib.sha256(self.subject.encode()).hexdigest()[:32]
        return f"{self.scope}:{digest}:{window}"


def _window(now: float) -> int:
    return int(now // WINDOW_SECONDS)


# What a bucket counts, as audit rows (the fallback when Redis cannot be asked).
_AUDITED = {
    "login-account": ("auth.login.failure", AuditLog.actor_email),
    "login-ip": ("auth.login.failure", AuditLog.ip),
    "mfa-user": ("auth.mfa.failure", AuditLog.target_id),
    "mfa-ip": ("auth.mfa.failure", AuditLog.ip),
}


def _audited_failures(bucket: Bucket, window: int) -> int:
    action, column = _AUDITED[bucket.scope]
    since = datetime.fromtimestamp(window * WINDOW_SECONDS, UTC)
    stmt = select(func.count()).where(
        column == bucket.subject, AuditLog.action == action, AuditLog.created_at >= since
    )
    return db.session.scalar(stmt) or 0


def retry_after(buckets: list[Bucket], now: float | None = None) -> int | None:
    """Seconds until the window ends when any bucket is full, else None."""
    now = time.time() if now is None else now
    window = _window(now)
    cache = get_cache()
    for bucket in buckets:
        count = cache.get_int(NAMESPACE, bucket.key(window))
        if count is None:  # Redis unreachable: the audit trail has the same failures
            count = _audited_failures(bucket, window)
        if count >= bucket.limit:
            return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None


def record_failure(buckets: list[Bucket], now: float | None = None) -> None:
    """Count one failure in every bucket."""
    window = _window(time.time() if now is None else now)
    cache = get_cache()
    for bucket in buckets:
        cache.incr(NAMESPACE, bucket.key(window), ttl=WINDOW_SECONDS)


def first_block_in_window(bucket: Bucket, now: float | None = None) -> bool:
    """True once per window and subject: to audit a block without flooding the trail."""
    window = _window(time.time() if now is None else now)
    return get_cache().add(NAMESPACE, "audited:" + bucket.key(window), "1", ttl=WINDOW_SECONDS)


def login_buckets(email: str, ip: str | None) -> list[Bucket]:
    """Password attempts: per account (any email string) and per client IP."""
    cfg = current_app.config
    buckets = [Bucket("login-account", email.strip().lower(), cfg["LOGIN_LIMIT_PER_ACCOUNT"])]
    if ip:
        buckets.append(Bucket("login-ip", ip, cfg["LOGIN_LIMIT_PER_IP"]))
    return buckets


def mfa_buckets(user_id: str, ip: str | None) -> list[Bucket]:
    """Second-factor attempts per user and per client IP."""
    cfg = current_app.config
    buckets = [Bucket("mfa-user", user_id, cfg["MFA_LIMIT_PER_USER"])]
    if ip:
        buckets.append(Bucket("mfa-ip", ip, cfg["LOGIN_LIMIT_PER_IP"]))
    return buckets
