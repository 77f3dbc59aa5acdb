"""Sign-in and sign-out through the real form."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User, UserSession
from portal.services.signin.sign_in import GENERIC_FAILURE
from tests.helpers.pages import NUL_CHARACTER, csrf_token_from
from tests.helpers.signin import PASSWORD


def _session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession))


def test_login_page_renders_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page
    assert 'name="csrf_token"' in page


def test_sign_in_redirects_to_dashboard_and_records_audit(
    client, sign_in, user_factory, audit_rows
):
    user = user_factory(email="ada@example.org", roles=["Researcher"])
    response = sign_in("ADA@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "ada@example.org" in page
    rows = audit_rows(action="auth.login.success")
    assert len(rows) == 1
    assert rows[0].actor_id == user.id and rows[0].target_id == str(user.id)
    assert rows[0].ip == "127.0.0.1" and rows[0].request_id
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_message(
    client, sign_in, user_factory, audit_rows
):
    user_factory(email="known@example.org")
    wrong = sign_in("known@example.org", "not the password at all")
    unknown = sign_in("nobody@example.org", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert GENERIC_FAILURE in response.get_data(as_text=True)
    failures = audit_rows(action="auth.login.failure")
    assert [r.details["reason"] for r in failures] == ["wrong password", "unknown account"]
    assert [r.actor_email for r in failures] == ["known@example.org", "nobody@example.org"]
    assert all(r.actor_id is None for r in failures)
    assert "password" not in str([r.details for r in failures]).replace("wrong password", "")
    assert _session_count() == 0


def test_deactivated_account_cannot_sign_in(client, sign_in, user_factory, audit_rows):
    user_factory(email="gone@example.org", is_active=False)
    response = sign_in("gone@example.org")
    assert response.status_code == 400
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert audit_rows(action="auth.login.failure")[0].details["reason"] == "account deactivated"
    assert client.get("/").status_code == 302


def test_failed_password_counts_on_the_account(sign_in, user_factory):
    user = user_factory(email="count@example.org")
    sign_in("count@example.org", "wrong wrong wrong")
    sign_in("count@example.org", "wrong wrong wrong")
    assert db.session.get(User, user.id).failed_login_count == 2
    sign_in("count@example.org")
    assert db.session.get(User, user.id).failed_login_count == 0


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "Enter your email."),
        ("a@example.org", "", "Enter your password."),
        ("a" * 10_000 + "@example.org", PASSWORD, "Field cannot be longer than 254 characters."),
        ("a@example.org", "p" * 10_000, "Field cannot be longer than 1024 characters."),
        ("a\x00b@example.org", PASSWORD, NUL_CHARACTER),
        ("a@example.org", "pass\x00word-long-enough", NUL_CHARACTER),
        ("🧬🧪@example.org", "🔑" * 20, GENERIC_FAILURE),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(client, sign_in, email, password, message, audit_rows):
    response = sign_in(email, password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _session_count() == 0
    assert audit_rows(action="auth.login.success") == []


def test_missing_csrf_token_is_refused(client, user_factory):
    user_factory(email="csrf@example.org")
    response = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert _session_count() == 0


def test_extra_fields_are_ignored(client, user_factory):
    user = user_factory(email="extra@example.org")
    token = csrf_token_from(client, "/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": "extra@example.org",
            "password": PASSWORD,
            "is_active": "false",
            "email_verified": "1",
            "id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 303
    assert db.session.get(User, user.id).is_active is True


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\x00x", "/"),
    ],
)
def test_next_redirects_only_within_the_site(client, user_factory, next_value, expected):
    user_factory(email="next@example.org")
    token = csrf_token_from(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": next_value},
        data={"csrf_token": token, "email": "next@example.org", "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_session_identifier_rotates_at_sign_in(client, sign_in, user_factory):
    user_factory(email="rotate@example.org")
    before = csrf_token_from(client, "/login")
    cookie_before = client.get_cookie("omniscope_session").value
    sign_in("rotate@example.org")
    cookie_after = client.get_cookie("omniscope_session").value
    assert cookie_after != cookie_before
    # The CSRF secret changed with the session: the pre-sign-in token is void.
    page = client.get("/logout").get_data(as_text=True)
    after = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert after != before
    assert _session_count() == 1


def test_sign_out_ends_the_server_side_session(client, sign_in, user_factory, audit_rows, app):
    user_factory(email="out@example.org")
    sign_in("out@example.org")
    stolen = client.get_cookie("omniscope_session").value
    assert client.get("/").status_code == 200
    token = csrf_token_from(client, "/logout")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/").status_code == 302
    row = db.session.scalar(select(UserSession))
    assert row.revoked_at is not None and row.revoked_reason == "signed out"
    assert len(audit_rows(action="auth.logout")) == 1
    # Replaying the old cookie does not bring the session back.
    replay = app.test_client()
    replay.set_cookie("omniscope_session", stolen)
    assert replay.get("/").status_code == 302


def test_get_logout_changes_nothing(client, sign_in, user_factory):
    user_factory(email="stay@example.org")
    sign_in("stay@example.org")
    response = client.get("/logout")
    assert response.status_code == 200
    assert "Sign out of OmniScope" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_signed_in_user_visiting_login_goes_to_dashboard(client, sign_in, user_factory):
    user_factory(email="again@example.org")
    sign_in("again@example.org")
    response = client.get("/login")
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_deactivation_ends_the_session_on_next_request(client, sign_in, user_factory):
    user = user_factory(email="deact@example.org")
    sign_in("deact@example.org")
    assert client.get("/").status_code == 200
    user.is_active = False
    db.session.flush()
    assert client.get("/").status_code == 302
