"""Single-use, expiring set-password links (the token is stored only as a SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import PasswordToken, User
from portal.models.base import utcnow
from portal.services import audit
from portal.services.identity.errors import PasswordLinkError


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User, *, actor: User | None) -> str:
    """A new link token for ``user`` (earlier unused links stop working); shown once."""
    now = utcnow()
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    row = PasswordToken(
        user_id=user.id,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        audit.Action.PASSWORD_LINK_ISSUED,
        target=user,
        actor=actor,
        details={"expires_at": row.expires_at, "link_id": str(row.id)},
    )
    return token


def find_valid_link(token: str) -> PasswordToken:
    """The unused, unexpired link for ``token``."""
    if not token or len(token) > 128:
        raise PasswordLinkError("This link is not valid.")
    row = db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == _digest(token)).with_for_update()
    )
    if row is None:
        raise PasswordLinkError("This link is not valid.")
    if row.used_at is not None:
        raise PasswordLinkError(
            "This link has already been used. Ask an administrator for a new one."
        )
    if row.expires_at <= utcnow():
        raise PasswordLinkError("This link has expired. Ask an administrator for a new one.")
    return row


def spend_link(row: PasswordToken) -> None:
    """Mark the link used (the caller sets the password in the same transaction)."""
    row.used_at = utcnow()
    db.session.flush()
