"""Server-side sessions: a ``user_sessions`` row per sign-in, a hot copy in Redis."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TypedDict

from flask import current_app
from sqlalchemy import select, update
from ua_parser import parse as parse_user_agent

from portal.cache import get_cache
from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow
from portal.request_meta import current_request_meta
from portal.services import audit
from portal.tx import after_commit

NAMESPACE = "sessions"
_UNREAD = object()
# last_seen_at is written to PostgreSQL at most this often per session.
TOUCH_INTERVAL = timedelta(seconds=60)


class _Snapshot(TypedDict):
    """A session's hot copy in Redis (times in ISO 8601)."""

    user_id: str
    created_at: str
    last_seen_at: str
    expires_at: str
    revoked_at: str | None


def _snapshot(row: UserSession) -> _Snapshot:
    return {
        "user_id": str(row.user_id),
        "created_at": row.created_at.isoformat(),
        "last_seen_at": row.last_seen_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def start_session(user: User) -> UserSession:
    """Create the server-side record of a new sign-in (a fresh identifier)."""
    now = utcnow()
    meta = current_request_meta()
    row = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]),
        ip=meta.ip if meta else None,
        user_agent=meta.user_agent if meta else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def end_session(row: UserSession, *, reason: str) -> None:
    """Revoke one session; it is refused on its next request."""
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    row.revoked_reason = reason
    db.session.flush()
    _forget(str(row.id))
    audit.record(
        audit.Action.LOGOUT if reason == "signed out" else audit.Action.SESSION_ENDED,
        target=row,
        details={"user_id": str(row.user_id), "reason": reason},
    )


def end_all_sessions(user: User, *, reason: str, keep: uuid.UUID | None = None) -> int:
    """Revoke every live session of ``user`` (except ``keep``); returns how many."""
    stmt = select(UserSession.id).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    ids = [sid for sid in db.session.scalars(stmt) if sid != keep]
    if ids:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id.in_(ids))
            .values(revoked_at=utcnow(), revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )
        _forget(*(str(i) for i in ids))
    return len(ids)


def revoke_all_sessions(
    user: User, *, actor: User | None, reason: str, keep: uuid.UUID | None = None
) -> int:
    """End every live session of ``user`` (except ``keep``), with an audit record."""
    count = end_all_sessions(user, reason=reason, keep=keep)
    audit.record(
        audit.Action.SESSIONS_REVOKED,
        target=user,
        actor=actor,
        details={"sessions": count, "reason": reason},
    )
    return count


def _forget(*sids: str) -> None:
    """Drop the hot copies now and again after commit (a concurrent read may refill one)."""
    cache = get_cache()
    cache.delete(NAMESPACE, *sids)
    after_commit(lambda: cache.delete(NAMESPACE, *sids))


def hot_copy_key(sid: str) -> str:
    """The hot copy's key under the shared ``omniscope:`` prefix (for one-round-trip reads)."""
    return f"{NAMESPACE}:{sid}"


def _load(sid: str, hot_copy: object = _UNREAD) -> _Snapshot | None:
    cache = get_cache()
    if hot_copy is _UNREAD:
        data = cache.get_json(NAMESPACE, sid)
    else:
        data = hot_copy if isinstance(hot_copy, dict) else None
    if data is not None:
        return data
    try:
        key = uuid.UUID(sid)
    except ValueError:
        return None
    row = db.session.get(UserSession, key)
    if row is None:
        return None
    data = _snapshot(row)
    cache.set_json(NAMESPACE, sid, data)
    return data


def session_is_valid(sid: str | None, user_id: str, hot_copy: object = _UNREAD) -> bool:
    """True when ``sid`` is a live session of ``user_id`` (not revoked, idle or expired).

    ``hot_copy``: the Redis value (parsed JSON) when the caller has read it (None: a miss).
    """
    if not sid:
        return False
    data = _load(sid, hot_copy)
    if data is None or data["revoked_at"] is not None or data["user_id"] != user_id:
        return False
    now = utcnow()
    last_seen = datetime.fromisoformat(data["last_seen_at"])
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now >= datetime.fromisoformat(data["expires_at"]) or now - last_seen > idle:
        return False
    if now - last_seen > TOUCH_INTERVAL:
        return _touch(sid, data, now)
    return True


def _touch(sid: str, data: _Snapshot, now: datetime) -> bool:
    """Move last_seen forward (outside the request's transaction); False if ended meanwhile.

    This also bounds how long a hot copy can outlive a revocation whose Redis delete
    failed (Redis down at that moment): at most TOUCH_INTERVAL.
    """
    with db.engine.begin() as conn:
        touched = conn.execute(
            update(UserSession)
            .where(UserSession.id == uuid.UUID(sid), UserSession.revoked_at.is_(None))
            .values(last_seen_at=now)
        ).rowcount
    if not touched:
        get_cache().delete(NAMESPACE, sid)
        return False
    get_cache().set_json(NAMESPACE, sid, {**data, "last_seen_at": now.isoformat()})
    return True


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that are neither ended nor expired, most recently seen first."""
    stmt = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(db.session.scalars(stmt))


def describe_device(user_agent: str | None) -> str:
    """ "Firefox 128 on Windows" from a user agent string (or "Unknown device")."""
    if not user_agent:
        return "Unknown device"
    result = parse_user_agent(user_agent)
    browser = result.user_agent.family if result.user_agent else None
    if browser and result.user_agent and result.user_agent.major:
        browser = f"{browser} {result.user_agent.major}"
    system = result.os.family if result.os else None
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def get_own_session(user: User, session_id: uuid.UUID) -> UserSession | None:
    """One of ``user``'s sessions by id (None for anybody else's)."""
    row = db.session.get(UserSession, session_id)
    return row if row is not None and row.user_id == user.id else None
