"""Confirmed actions on a user: the GET page changes nothing, the POST does it and audits it."""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import PasswordToken, RecoveryCode, User
from portal.models.base import utcnow
from tests.helpers.pages import csrf_token_from, flashes_after, post_form, text
from tests.helpers.records import audit_count
from tests.helpers.signin import signed_in_client
from tests.users.helpers import live_session_ids, make_session, user_state

ACTIONS = ("deactivate", "reactivate", "unlock", "reset-mfa", "revoke-sessions", "password-link")


def _post(client, path, **data):
    return post_form(client, path, data)


@pytest.mark.parametrize("action", ACTIONS)
def test_confirmation_page_changes_nothing(client, admin, user_factory, action):
    target = user_factory(email="t@example.org", mfa=True, failed_login_count=3)
    make_session(target)
    before, events = user_state(target.id), audit_count()
    response = client.get(f"/users/{target.id}/{action}")
    assert response.status_code == 200
    page = text(response)
    assert f'action="/users/{target.id}/{action}"' in page
    assert f'href="/users/{target.id}"' in page  # cancel
    assert user_state(target.id) == before and audit_count() == events


def test_deactivate_needs_the_typed_email_and_ends_sessions(
    app, client, admin, user_factory, audit_rows
):
    target = user_factory(email="leaver@example.org", roles=["Researcher"])
    other_browser = signed_in_client(app, target)
    assert other_browser.get("/").status_code == 200
    path = f"/users/{target.id}/deactivate"
    assert 'name="confirmation"' in text(client.get(path))

    before = user_state(target.id)
    wrong = _post(client, path, confirmation="someone@example.org")
    assert wrong.status_code == 400
    assert "Type leaver@example.org exactly to confirm." in text(wrong)
    assert user_state(target.id) == before

    response = _post(client, path, confirmation="Leaver@Example.org")
    assert "leaver@example.org was deactivated" in flashes_after(client, response)
    assert db.session.get(User, target.id).is_active is False
    assert live_session_ids(target.id) == set()
    [row] = audit_rows(action="user.deactivated", target_id=str(target.id))
    assert row.actor_id == admin.id and row.details["after"] == {"is_active": False}
    [ended] = audit_rows(action="session.revoked_all", target_id=str(target.id))
    assert ended.details == {"sessions": 1, "reason": "deactivated"}
    # Their open browser is signed out on its next request.
    assert other_browser.get("/").status_code == 302


def test_an_admin_cannot_deactivate_themselves(client, admin, user_factory, audit_rows):
    user_factory(email="admin2@example.org", roles=["Admin"], mfa=True)
    before = user_state(admin.id)
    response = _post(client, f"/users/{admin.id}/deactivate", confirmation=admin.email)
    assert "You cannot deactivate your own account." in flashes_after(client, response)
    assert user_state(admin.id) == before
    assert audit_rows(action="user.deactivated") == []


def test_reactivate(client, admin, user_factory, audit_rows):
    target = user_factory(email="back@example.org", is_active=False)
    response = _post(client, f"/users/{target.id}/reactivate")
    assert "back@example.org was reactivated." in flashes_after(client, response)
    assert db.session.get(User, target.id).is_active is True
    assert audit_rows(action="user.reactivated", target_id=str(target.id))


def test_unlock_clears_lockout_and_counters(client, admin, user_factory, audit_rows):
    until = utcnow() + timedelta(minutes=30)
    target = user_factory(
        email="locked@example.org", locked_until=until, failed_login_count=12, lockout_count=2
    )
    response = _post(client, f"/users/{target.id}/unlock")
    assert "locked@example.org was unlocked." in flashes_after(client, response)
    user = db.session.get(User, target.id)
    assert (user.locked_until, user.failed_login_count, user.lockout_count) == (None, 0, 0)
    [row] = audit_rows(action="user.unlocked", target_id=str(target.id))
    assert row.details["before"]["failed_login_count"] == 12
    assert row.details["after"] == {
        "locked_until": None,
        "failed_login_count": 0,
        "lockout_count": 0,
    }


def test_reset_mfa_clears_it_and_ends_sessions(client, admin, user_factory, audit_rows):
    target = user_factory(email="lost@example.org", roles=["PI"], mfa=True)
    db.session.add(RecoveryCode(user_id=target.id, code_hash="x" * 64))
    make_session(target)
    db.session.flush()
    response = _post(client, f"/users/{target.id}/reset-mfa")
    assert "The MFA of lost@example.org was reset." in flashes_after(client, response)
    user = db.session.get(User, target.id)
    assert user.mfa_enrolled_at is None and user.mfa_secret_encrypted is None
    codes = sa.select(sa.func.count()).where(RecoveryCode.user_id == target.id)
    assert db.session.scalar(codes) == 0
    assert live_session_ids(target.id) == set()
    [row] = audit_rows(action="auth.mfa.reset", target_id=str(target.id))
    assert row.actor_id == admin.id
    [ended] = audit_rows(action="session.revoked_all", target_id=str(target.id))
    assert ended.details["reason"] == "MFA reset"


@pytest.mark.parametrize(
    ("action", "email", "message", "audited"),
    [
        pytest.param(
            "reactivate",
            "here@example.org",
            "here@example.org is already active.",
            "user.reactivated",
            id="reactivating-an-active-user",
        ),
        pytest.param(
            "unlock",
            "free@example.org",
            "free@example.org is not locked",
            "user.unlocked",
            id="unlocking-an-unlocked-user",
        ),
        pytest.param(
            "reset-mfa",
            "nomfa@example.org",
            "nomfa@example.org has no MFA to reset.",
            "auth.mfa.reset",
            id="resetting-the-mfa-of-someone-not-enrolled",
        ),
    ],
)
def test_an_action_with_nothing_to_do_is_refused(
    client, admin, user_factory, audit_rows, action, email, message, audited
):
    target = user_factory(email=email)
    response = _post(client, f"/users/{target.id}/{action}")
    assert message in flashes_after(client, response)
    assert audit_rows(action=audited) == []


def test_own_mfa_is_not_reset_here(client, admin, user_factory):
    user_factory(email="admin2@example.org", roles=["Admin"], mfa=True)
    before = user_state(admin.id)
    response = _post(client, f"/users/{admin.id}/reset-mfa")
    assert "Manage your own MFA from your account page." in flashes_after(client, response)
    assert user_state(admin.id) == before


def test_revoke_sessions(client, admin, user_factory, audit_rows):
    target = user_factory(email="many@example.org")
    make_session(target)
    make_session(target)
    kept_elsewhere = make_session(admin)
    response = _post(client, f"/users/{target.id}/revoke-sessions")
    assert "The sessions of many@example.org were ended." in flashes_after(client, response)
    assert live_session_ids(target.id) == set()
    assert kept_elsewhere.id in live_session_ids(admin.id)
    [row] = audit_rows(action="session.revoked_all", target_id=str(target.id))
    assert row.details == {"sessions": 2, "reason": "revoked by administrator"}


def test_revoking_own_sessions_keeps_the_current_one(client, admin):
    other = make_session(admin)
    response = _post(client, f"/users/{admin.id}/revoke-sessions")
    assert response.status_code == 303
    live = live_session_ids(admin.id)
    assert other.id not in live and len(live) == 1
    assert client.get("/users").status_code == 200  # still signed in


def test_password_link_is_shown_once_and_stored_hashed(client, admin, user_factory, audit_rows):
    target = user_factory(email="reset@example.org")
    response = _post(client, f"/users/{target.id}/password-link")
    assert response.status_code == 200
    url = html.unescape(re.search(r"<code data-password-link>([^<]+)</code>", text(response))[1])
    token = url.rsplit("/account/set-password/", 1)[1]
    stmt = sa.select(PasswordToken).where(PasswordToken.user_id == target.id)
    [row] = db.session.scalars(stmt).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.used_at is None
    [event] = audit_rows(action="user.password_link.issued", target_id=str(target.id))
    assert token not in str(event.details)
    assert token not in text(client.get(f"/users/{target.id}"))


def test_password_link_for_a_deactivated_user_is_refused(client, admin, user_factory):
    target = user_factory(email="off@example.org", is_active=False)
    response = _post(client, f"/users/{target.id}/password-link")
    assert "reactivate the account first" in flashes_after(client, response)
    assert user_state(target.id)["password_tokens"] == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_unknown_user_is_404(client, admin, action):
    path = f"/users/{uuid.uuid4()}/{action}"
    assert client.get(path).status_code == 404
    token = csrf_token_from(client, "/users/new")
    assert client.post(path, data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_missing_csrf_token_is_refused(client, admin, user_factory, action):
    target = user_factory(email="t@example.org", mfa=True, failed_login_count=3)
    before, events = user_state(target.id), audit_count()
    response = client.post(f"/users/{target.id}/{action}", data={"confirmation": target.email})
    assert response.status_code == 400
    assert "The form expired" in text(response)
    assert user_state(target.id) == before and audit_count() == events


def test_typed_confirmation_refuses_nul_and_oversized_values(client, admin, user_factory):
    target = user_factory(email="t@example.org")
    before = user_state(target.id)
    for value in ("t@example.org\x00", "t" * 255, ""):
        response = _post(client, f"/users/{target.id}/deactivate", confirmation=value)
        assert response.status_code == 400
    assert user_state(target.id) == before
