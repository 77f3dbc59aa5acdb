"""The audit API: ``record()`` writes a hash-chained row in the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import Table, bindparam, insert, update

from portal.extensions import db
from portal.models import AuditHead, AuditLog, User
from portal.models.base import utcnow
from portal.request_meta import current_request_meta
from portal.services.audit.head import publish_head, publisher
from portal.tx import after_commit

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.local import LocalProxy

GENESIS_HASH = "0" * 64
HEAD_ROW_ID = 1
# Secrets never go into details; these keys are dropped wherever they appear.
SECRET_KEYS = frozenset(
    {"password", "new_password", "current_password", "code", "token", "secret", "csrf_token"}
)


class Action(StrEnum):
    """Stable, dotted audit action names."""

    LOGIN_SUCCESS = "auth.login.success"
    LOGIN_FAILURE = "auth.login.failure"
    LOGIN_RATE_LIMITED = "auth.login.rate_limited"
    LOCKOUT = "auth.lockout"
    LOGOUT = "auth.logout"
    MFA_ENROLLED = "auth.mfa.enrolled"
    MFA_DISABLED = "auth.mfa.disabled"
    MFA_RESET = "auth.mfa.reset"
    MFA_FAILURE = "auth.mfa.failure"
    MFA_RECOVERY_CODE_USED = "auth.mfa.recovery_code_used"
    MFA_RECOVERY_CODES_REGENERATED = "auth.mfa.recovery_codes_regenerated"
    SESSION_ENDED = "session.ended"
    SESSIONS_REVOKED = "session.revoked_all"
    PASSWORD_CHANGED = "user.password.changed"  # noqa: S105 (an action name)
    PASSWORD_SET = "user.password.set"  # noqa: S105 (an action name)
    PASSWORD_LINK_ISSUED = "user.password_link.issued"  # noqa: S105 (an action name)
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_UNLOCKED = "user.unlocked"
    USER_ROLE_GRANTED = "user.role.granted"
    USER_ROLE_REVOKED = "user.role.revoked"
    ROLE_CREATED = "role.created"
    ROLE_UPDATED = "role.updated"
    ROLE_DELETED = "role.deleted"
    WORKSPACE_CREATED = "workspace.created"
    WORKSPACE_UPDATED = "workspace.updated"
    WORKSPACE_ARCHIVED = "workspace.archived"
    WORKSPACE_UNARCHIVED = "workspace.unarchived"
    WORKSPACE_OWNER_CHANGED = "workspace.owner.changed"
    WORKSPACE_MEMBER_ADDED = "workspace.member.added"
    WORKSPACE_MEMBER_ROLE_CHANGED = "workspace.member.role_changed"
    WORKSPACE_MEMBER_REMOVED = "workspace.member.removed"
    MODEL_REGISTERED = "model.registered"
    MODEL_UPDATED = "model.updated"
    MODEL_STAGE_CHANGED = "model.stage.changed"
    PLUGIN_REGISTERED = "plugin.registered"
    PLUGIN_ENABLED = "plugin.enabled"
    PLUGIN_DISABLED = "plugin.disabled"
    PLUGIN_CONFIGURED = "plugin.configured"
    PLUGIN_UPGRADED = "plugin.upgraded"
    PLUGIN_DOWNGRADED = "plugin.downgraded"
    REPORT_REQUESTED = "report.requested"
    REPORT_RETRIED = "report.retried"
    REPORT_SUCCEEDED = "report.succeeded"
    REPORT_FAILED = "report.failed"
    REPORT_DOWNLOADED = "report.downloaded"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    AUDIT_PURGED = "audit.purged"
    AUDIT_VERIFIED = "audit.verified"
    AUDIT_EXPORTED = "audit.exported"
    CACHE_FLUSHED = "cache.flushed"
    AUDIT_KEY_ROTATED = "audit.key_rotated"
    KEYS_ROTATED = "keys.rotated"


# Target types by model class name (the audit row names what was changed).
TARGET_TYPES = {
    "User": "user",
    "Role": "role",
    "UserSession": "session",
    "Workspace": "workspace",
    "WorkspaceMember": "workspace_member",
    "MLModel": "model",
    "Report": "report",
    "Plugin": "plugin",
    "AuditLog": "audit",
}

_UNSET: Any = object()
# Declarative types __table__ as any FROM clause; a mapped class's is its Table.
_HEAD = cast(Table, AuditHead.__table__)
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ROW_ID)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.hash)
)
_SET_HEAD_HASH = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ROW_ID)
    .values(hash=bindparam("head_hash"), updated_at=bindparam("head_updated_at"))
)
_ROW_COLUMNS = tuple(column.key for column in AuditLog.__table__.columns)
_INSERT_ROW = insert(cast(Table, AuditLog.__table__)).values(
    {
        column: bindparam(f"row_{column}", type_=AuditLog.__table__.c[column].type)
        for column in _ROW_COLUMNS
    }
)
# PostgreSQL runs a data-modifying WITH whether or not the statement refers to it.
_INSERT_ROW_AND_SET_HEAD = _SET_HEAD_HASH.add_cte(_INSERT_ROW.cte("new_row"))


def _clean(value: Any) -> Any:
    """JSON-safe copy of ``value`` without secret keys (what is stored is what is hashed)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if str(k) not in SECRET_KEYS}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_content(row: AuditLog) -> bytes:
    """The bytes the HMAC covers: every field but ``hash``, in a fixed form."""
    content = {
        "id": str(row.id),
        "seq": row.seq,
        "created_at": row.created_at.isoformat(timespec="microseconds"),
        "actor_id": str(row.actor_id) if row.actor_id else None,
        "actor_email": row.actor_email,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "workspace_id": str(row.workspace_id) if row.workspace_id else None,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "request_id": row.request_id,
        "details": row.details,
        "prev_hash": row.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(row: AuditLog, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the row's canonical content (which includes the previous hash)."""
    key = key if key is not None else current_app.config["AUDIT_HMAC_KEY"].encode()
    return hmac.new(key, canonical_content(row), hashlib.sha256).hexdigest()


def _resolve_actor(actor: Any) -> User | None:
    if actor is not _UNSET:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def record(
    action: str,
    *,
    target: Any = None,
    target_type: str | None = None,
    target_id: Any = None,
    details: dict[str, Any] | None = None,
    workspace_id: uuid.UUID | None = None,
    actor: User | None = _UNSET,
    actor_email: str | None = None,
) -> AuditLog:
    """Append an audit row in the current transaction and return it (written, detached).

    Call it after the change it describes: it locks the chain head until the
    transaction ends, so rows are written in ``seq`` order without gaps.
    """
    who = _resolve_actor(actor)
    if target is not None:
        target_type = target_type or TARGET_TYPES.get(type(target).__name__, type(target).__name__)
        target_id = getattr(target, "id", target_id)
        if workspace_id is None:
            workspace_id = (
                target.id if target_type == "workspace" else getattr(target, "workspace_id", None)
            )
    meta = current_request_meta()
    # The change this row describes is written first: every writer takes the row locks
    # of its change before the head's, so two writers never wait on each other in turn.
    db.session.flush()
    # Plain statements on the session's connection (one transaction with the change):
    # the ORM's unit of work would cost more than the row itself.
    connection = db.session.connection()
    # Taking the head row's lock serialises writers: seq and prev_hash come from it.
    head_seq, head_hash = connection.execute(_ADVANCE_HEAD).one()
    row = AuditLog(
        id=uuid.uuid4(),
        seq=head_seq,
        created_at=utcnow(),
        actor_id=who.id if who is not None else None,
        actor_email=who.email if who is not None else actor_email,
        action=str(action),
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        workspace_id=workspace_id,
        ip=meta.ip if meta else None,
        user_agent=meta.user_agent if meta else None,
        request_id=meta.request_id if meta else None,
        details=_clean(details or {}),
        prev_hash=head_hash,
    )
    row.hash = compute_hash(row)
    values = {f"row_{column}": getattr(row, column) for column in _ROW_COLUMNS}
    head = {"head_hash": row.hash, "head_updated_at": row.created_at}
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_ROW_AND_SET_HEAD, values | head)  # one round trip
    else:  # SQLite has no INSERT inside WITH
        connection.execute(_INSERT_ROW, values)
        connection.execute(_SET_HEAD_HASH, head)
    _publish_head_after_commit(row.seq, row.hash)
    return row


def _publish_head_after_commit(seq: int, hash_: str) -> None:
    """Once committed, copy the chain's head outside the database (Redis key, head file).

    A request hands it to the process's publisher thread (off the response's path); a
    job or a command, which may end right after, publishes before it goes on.
    """
    if has_request_context():
        # current_app is a LocalProxy, which Flask types as the Flask it stands for.
        app = cast("LocalProxy[Flask]", current_app)._get_current_object()
        after_commit(lambda: publisher.submit(app, seq, hash_), key="audit-head")
    else:
        after_commit(lambda: publish_head(seq, hash_), key="audit-head")
