"""MFA: TOTP enrolment and verification (no replay), recovery codes, reset."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.models.base import utcnow
from portal.security import totp
from portal.security.crypto import DecryptionError, decrypt, encrypt
from portal.security.passwords import verify_password
from portal.services import audit
from portal.services.identity.last_admin import is_last_active_admin
from portal.services.signin.errors import MFAError
from portal.tx import lock_for_update

RECOVERY_CODE_COUNT = 10
# How long a set-up page (its unconfirmed secret) stays valid.
ENROLMENT_SECONDS = 15 * 60
# Unambiguous alphabet (no 0/O, 1/l/I) for codes people type from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def needs_enrolment(user: User) -> bool:
    """True when a role of the user requires MFA and the user has not enrolled."""
    return user.mfa_required and not user.mfa_enrolled


# Stored recovery codes: "sealed:" + the code's SHA-256, encrypted with PORTAL_ENCRYPTION_KEY
# (old keys accepted; `flask keys reencrypt-totp` re-seals them under the current key).
# Codes carry ~100 bits of randomness, so a hash needs no slow KDF; the encryption keys the
# stored value by the secret meant for MFA material, and rotating it voids nothing.
SEALED = "sealed:"


def _code_sha256(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _seal(code: str) -> str:
    return SEALED + encrypt(_code_sha256(code))


def _legacy_digests(code: str) -> set[str]:
    """The code as stored before sealing: HMAC-SHA256 keyed by SECRET_KEY (or an old one)."""
    keys = [current_app.config["SECRET_KEY"]]
    keys += [k for k in current_app.config.get("SECRET_KEY_OLD", "").split(",") if k]
    message = normalise_code(code).encode()
    return {hmac.new(k.encode(), message, hashlib.sha256).hexdigest() for k in keys}


def _matches(stored: str, code: str) -> bool:
    """Whether ``stored`` (a code's stored value, either scheme) is the value of ``code``."""
    if stored.startswith(SEALED):
        try:
            digest = decrypt(stored.removeprefix(SEALED))
        except DecryptionError:  # sealed under a key no longer configured
            return False
        return hmac.compare_digest(digest, _code_sha256(code))
    return any(hmac.compare_digest(stored, legacy) for legacy in _legacy_digests(code))


def _unused_codes(user: User, *, for_update: bool = False) -> list[RecoveryCode]:
    stmt = select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return list(db.session.scalars(stmt.with_for_update() if for_update else stmt))


def normalise_code(code: str) -> str:
    """Codes are compared lower-case without spaces or dashes."""
    return "".join(ch for ch in code.lower() if ch not in " -")


def start_enrolment() -> str:
    """A fresh secret to show once; it is stored only when confirmed with a code."""
    return totp.generate_secret()


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Store ``secret`` (encrypted) if ``code`` matches it; return new recovery codes."""
    step = totp.matching_timestep(secret, code.strip())
    if step is None:
        raise MFAError("That code does not match. Check your device's clock and try again.")
    user.mfa_secret_encrypted = encrypt(secret)
    user.mfa_last_timestep = step
    user.mfa_enrolled_at = utcnow()
    codes = _replace_recovery_codes(user)
    audit.record(audit.Action.MFA_ENROLLED, target=user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_seal(c)) for c in codes)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not user.mfa_enrolled:
        raise MFAError("Set up an authenticator app first.")
    codes = _replace_recovery_codes(user)
    audit.record(audit.Action.MFA_RECOVERY_CODES_REGENERATED, target=user)
    return codes


def unused_recovery_code_count(user: User) -> int:
    """How many recovery codes the user can still use."""
    stmt = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return len(db.session.scalars(stmt).all())


def verify_second_factor(user: User, code: str) -> str | None:
    """Accept a TOTP code once (a newer time-step than the last) or an unused recovery code.

    Returns "totp" or "recovery" on success, None on failure. The user row is locked
    while checking, so two requests cannot both spend the same code.
    """
    code = code.strip()
    lock_for_update(user)
    if user.mfa_secret_encrypted is None:
        return None
    if code.isdigit():
        step = totp.matching_timestep(decrypt(user.mfa_secret_encrypted), code)
        if step is not None and (user.mfa_last_timestep is None or step > user.mfa_last_timestep):
            user.mfa_last_timestep = step
            return "totp"
        return None
    row = next(
        (r for r in _unused_codes(user, for_update=True) if _matches(r.code_hash, code)), None
    )
    if row is None:
        return None
    row.used_at = utcnow()
    audit.record(
        audit.Action.MFA_RECOVERY_CODE_USED,
        target=user,
        actor=user,
        details={"remaining": unused_recovery_code_count(user) - 1},
    )
    return "recovery"


def _clear(user: User) -> None:
    user.mfa_secret_encrypted = None
    user.mfa_last_timestep = None
    user.mfa_enrolled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable_mfa(user: User, *, password: str, code: str) -> None:
    """The user turns MFA off: only when no role requires it, with password and a code."""
    if user.mfa_required:
        raise MFAError("A role you hold requires MFA, so it cannot be turned off.")
    if not verify_password(user.password_hash, password):
        raise MFAError("The password is not correct.")
    if verify_second_factor(user, code) is None:
        raise MFAError("That code is not valid.")
    _clear(user)
    audit.record(audit.Action.MFA_DISABLED, target=user)


def reset_mfa(user: User, *, actor: User) -> None:
    """An administrator clears a user's MFA (lost device); they enrol again at next sign-in."""
    if is_last_active_admin(user) and user.mfa_enrolled:
        raise MFAError(
            "The last active administrator cannot be stripped of MFA: "
            "make another administrator first."
        )
    if not user.mfa_enrolled:
        raise MFAError(f"{user.email} has no MFA to reset.")
    _clear(user)
    audit.record(audit.Action.MFA_RESET, target=user, actor=actor)


def are_unused_codes_of(user: User, codes: list[str]) -> bool:
    """True when every code is one of the user's unused recovery codes."""
    if not codes:
        return False
    unused = [row.code_hash for row in _unused_codes(user)]
    return all(any(_matches(stored, code) for stored in unused) for code in codes)


def enrolment_token(user: User, secret: str) -> str:
    """The pending secret sealed for the enrolment form (so it is never stored unconfirmed)."""
    return encrypt(f"{user.id}:{secret}")


def secret_from_enrolment_token(user: User, token: str) -> str:
    """The pending secret of ``user`` from the form; MFAError when stale or foreign."""
    try:
        owner, secret = decrypt(token, ttl=ENROLMENT_SECONDS).split(":", 1)
    except (DecryptionError, ValueError) as exc:
        raise MFAError("This set-up page expired. Scan the new code below.") from exc
    if owner != str(user.id):
        raise MFAError("This set-up page expired. Scan the new code below.")
    return secret
