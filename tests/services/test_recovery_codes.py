"""Recovery codes survive key rotations: sealed with PORTAL_ENCRYPTION_KEY, not SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.services.signin import mfa
from portal.services.system.keys import reencrypt_mfa_secrets
from tests.factories import UserFactory

OLD, NEW = "old-key-for-recovery-codes-" + "o" * 20, "new-key-for-recovery-codes-" + "n" * 20


def _enrolled() -> tuple[User, list[str]]:
    user = UserFactory(roles=["Admin"], mfa=True)
    db.session.flush()
    return user, mfa.regenerate_recovery_codes(user)


def test_codes_keep_working_when_secret_key_is_rotated(app, app_ctx, monkeypatch):
    user, codes = _enrolled()
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW)  # a routine rotation, nothing else set
    assert mfa.verify_second_factor(user, codes[0]) == "recovery"
    assert mfa.are_unused_codes_of(user, codes[1:])
    assert mfa.verify_second_factor(user, codes[0]) is None  # still single-use


def test_codes_are_stored_sealed_never_as_the_code_or_its_plain_hash(app_ctx):
    _, codes = _enrolled()
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(value.startswith(mfa.SEALED) for value in stored)
    plain = {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not (set(codes) | plain) & {value.removeprefix(mfa.SEALED) for value in stored}


def test_an_encryption_key_rotation_reseals_the_codes(app, app_ctx, monkeypatch, audit_rows):
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY", OLD)
    user, codes = _enrolled()
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY", NEW)
    assert not mfa.are_unused_codes_of(user, codes[:1])  # the new key alone cannot open them
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY_OLD", OLD)
    assert mfa.are_unused_codes_of(user, codes)  # during the rotation both keys work
    reencrypt_mfa_secrets()
    monkeypatch.setitem(app.config, "PORTAL_ENCRYPTION_KEY_OLD", "")
    assert mfa.verify_second_factor(user, codes[0]) == "recovery"  # the old key is gone
    assert audit_rows(action="keys.rotated")[0].details["recovery_codes_resealed"] == 10


def _legacy(user: User, code: str, secret_key: str) -> None:
    """A code stored the way the portal did before sealing: HMAC keyed by SECRET_KEY."""
    digest = hmac.new(secret_key.encode(), mfa.normalise_code(code).encode(), hashlib.sha256)
    db.session.add(RecoveryCode(user_id=user.id, code_hash=digest.hexdigest()))
    db.session.flush()


@pytest.mark.parametrize(
    ("old_keys", "accepted"), [("", False), ("unrelated-key," + OLD, True)], ids=["unset", "set"]
)
def test_codes_made_before_sealing_work_with_the_secret_key_they_were_made_under(
    app, app_ctx, monkeypatch, old_keys, accepted
):
    user = UserFactory(roles=["Admin"], mfa=True)
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD)
    _legacy(user, "abcd-efgh-jkmn", OLD)
    assert mfa.are_unused_codes_of(user, ["abcd-efgh-jkmn"])  # no rotation: still works
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW)
    monkeypatch.setitem(app.config, "SECRET_KEY_OLD", old_keys)
    expected = "recovery" if accepted else None
    assert mfa.verify_second_factor(user, "ABCD EFGH JKMN") == expected
