"""Rotating PORTAL_ENCRYPTION_KEY (TOTP secrets) and AUDIT_HMAC_KEY (the chain)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import User
from portal.security.crypto import DecryptionError, decrypt, encrypt
from portal.services import audit
from portal.services.audit.integrity import verify_chain
from portal.services.system.keys import reencrypt_mfa_secrets, rotate_audit_key
from tests.factories import UserFactory

OLD, NEW = "old-encryption-key-" + "o" * 20, "new-encryption-key-" + "n" * 20


def test_totp_secrets_move_to_the_new_key(app, app_ctx, monkeypatch, audit_rows):
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY", OLD)
    user = UserFactory(mfa_secret_encrypted=encrypt("JBSWY3DPEHPK3PXP"))
    db.session.flush()
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY", NEW)
    with pytest.raises(DecryptionError):
        decrypt(user.mfa_secret_encrypted)  # the new key alone cannot read it
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY_OLD", OLD)
    assert reencrypt_mfa_secrets() == 1
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY_OLD", "")
    assert decrypt(db.session.get(User, user.id).mfa_secret_encrypted) == "JBSWY3DPEHPK3PXP"
    assert audit_rows(action="keys.rotated")[0].details["secrets_reencrypted"] == 1


def test_chain_verifies_across_an_audit_key_rotation(app, app_ctx, monkeypatch):
    old_key = app.config["AUDIT_HMAC_KEY"]
    for i in range(3):
        audit.record("test.before", actor=None, details={"i": i})
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY", "brand-new-audit-key-" + "k" * 20)
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY_OLD", old_key)
    rotation = rotate_audit_key(old_key)
    for i in range(3):
        audit.record("test.after", actor=None, details={"i": i})
    db.session.flush()
    assert rotation == 4 and verify_chain().ok
    # Without the old key the early rows cannot be checked, and the verifier says so.
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY_OLD", "")
    result = verify_chain()
    assert not result.ok and result.failed_seq == 1 and "not configured" in result.problem
    with pytest.raises(ValueError, match="current key"):
        rotate_audit_key(app.config["AUDIT_HMAC_KEY"])
