"""Encryption of secrets at rest (TOTP secrets) with PORTAL_ENCRYPTION_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class DecryptionError(RuntimeError):
    """A stored secret could not be decrypted with the configured key(s)."""


def _fernet(secret: str) -> Fernet:
    # Any length of configured secret → a 32-byte Fernet key, domain-separated.
    digest = hashlib.sha256(b"omniscope.totp-secrets\x00" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    """The current key first, then any old keys (PORTAL_ENCRYPTION_KEY_OLD, comma-separated)."""
    current = current_app.config["PORTAL_ENCRYPTION_KEY"]
    old = [k for k in current_app.config.get("PORTAL_ENCRYPTION_KEY_OLD", "").split(",") if k]
    return MultiFernet([_fernet(current), *(_fernet(k) for k in old)])


def encrypt(plaintext: str) -> str:
    """Authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) of ``plaintext``."""
    return _keys().encrypt(plaintext.encode()).decode()


def decrypt(token: str, ttl: int | None = None) -> str:
    """Plaintext of ``token`` (no older than ``ttl`` seconds); DecryptionError otherwise."""
    try:
        return _keys().decrypt(token.encode(), ttl=ttl).decode()
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc


def reencrypt(token: str) -> str:
    """``token`` encrypted again under the current key (it may have been under an old one)."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc
