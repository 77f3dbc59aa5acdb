"""Rotating the portal's keys: TOTP secrets and recovery codes re-encrypted, the audit key."""

from __future__ import annotations

import hashlib
from typing import cast

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditHead, RecoveryCode, User
from portal.security.crypto import reencrypt
from portal.services import audit
from portal.services.signin.mfa import SEALED


def key_id(key: str) -> str:
    """A short public fingerprint of a key (never the key)."""
    return hashlib.sha256(b"omniscope-audit-key:" + key.encode()).hexdigest()[:16]


def configured_audit_keys() -> dict[str, bytes]:
    """Every audit key the portal knows (current and old), by fingerprint."""
    keys = [current_app.config["AUDIT_HMAC_KEY"]]
    keys += [k for k in current_app.config.get("AUDIT_HMAC_KEY_OLD", "").split(",") if k]
    return {key_id(k): k.encode() for k in keys}


def reencrypt_mfa_secrets() -> int:
    """Encrypt every stored TOTP secret, and re-seal every sealed recovery code, under the
    current PORTAL_ENCRYPTION_KEY; returns how many TOTP secrets were re-encrypted."""
    users = db.session.scalars(select(User).where(User.mfa_secret_encrypted.is_not(None)))
    count = 0
    for user in users:
        # The query selects only users with a secret.
        user.mfa_secret_encrypted = reencrypt(cast(str, user.mfa_secret_encrypted))
        count += 1
    codes = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.code_hash.startswith(SEALED))
    ).all()
    for code in codes:
        code.code_hash = SEALED + reencrypt(code.code_hash.removeprefix(SEALED))
    db.session.flush()
    audit.record(
        audit.Action.KEYS_ROTATED,
        actor=None,
        target_type="audit",
        details={
            "key": "PORTAL_ENCRYPTION_KEY",
            "secrets_reencrypted": count,
            "recovery_codes_resealed": len(codes),
        },
    )
    return count


def rotate_audit_key(old_key: str) -> int:
    """Record that rows after this point use the current AUDIT_HMAC_KEY; rows up to the
    current head were written with ``old_key`` (which must stay in AUDIT_HMAC_KEY_OLD)."""
    current = current_app.config["AUDIT_HMAC_KEY"]
    if old_key == current:
        raise ValueError("The old key is the current key: set the new one as AUDIT_HMAC_KEY.")
    # The head row exists from the first migration on.
    head = cast(AuditHead, db.session.get(AuditHead, audit.HEAD_ROW_ID))
    row = audit.record(
        audit.Action.AUDIT_KEY_ROTATED,
        actor=None,
        target_type="audit",
        details={"old_key_id": key_id(old_key), "new_key_id": key_id(current),
                 "rotated_after_seq": head.seq},
    )  # fmt: skip
    return row.seq
