"""Changing one's password; set-password links; one-time passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import PasswordToken, User, UserSession
from portal.models.base import utcnow
from portal.security.passwords import verify_password
from portal.services.identity.password_links import issue_password_link
from tests.helpers.pages import NUL_CHARACTER, csrf_token_from
from tests.helpers.signin import PASSWORD, password_step

NEW = "a brand new passphrase"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    token = csrf_token_from(client, "/account/password")
    return client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": current, "new_password": new,
              "confirm": new if confirm is None else confirm},
    )  # fmt: skip


def test_change_password_ends_other_sessions(app, client, sign_in, user_factory, audit_rows):
    user = user_factory(email="pw@example.org")
    other = app.test_client()
    password_step(other, "pw@example.org")
    assert other.get("/").status_code == 200
    sign_in("pw@example.org")
    response = _change(client)
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one ended on its next request
    assert verify_password(db.session.get(User, user.id).password_hash, NEW)
    row = audit_rows(action="user.password.changed")[0]
    assert row.details == {"sessions_ended": 1}
    assert NEW not in str(row.details) and PASSWORD not in str(row.details)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong current pw", NEW, None, "The current password is not correct."),
        (PASSWORD, "short", None, "Use at least 12 characters."),
        (PASSWORD, "pw@example.org", None, "must not be your email"),
        (PASSWORD, "qwertyuiop123", None, "commonly used passwords"),
        (PASSWORD, NEW, "something else", "The two passwords differ."),
        (PASSWORD, PASSWORD, None, "different from the current one"),
        (PASSWORD, "x" * 2000, None, "Field cannot be longer than 1024 characters."),
        (PASSWORD, "nul\x00in the password", None, NUL_CHARACTER),
    ],
)
def test_bad_new_passwords_are_refused(
    client, sign_in, user_factory, current, new, confirm, message
):
    user = user_factory(email="pw@example.org")
    sign_in("pw@example.org")
    response = _change(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def test_unicode_passwords_work(client, sign_in, user_factory):
    user = user_factory(email="uni@example.org")
    sign_in("uni@example.org")
    assert _change(client, new="пароль-🧬-mot de passe-密码").status_code == 303
    assert verify_password(
        db.session.get(User, user.id).password_hash, "пароль-🧬-mot de passe-密码"
    )


def _link(app, user):
    with app.test_request_context():
        token = issue_password_link(user, actor=None)
    db.session.flush()
    return token


def _set(client, token, new=NEW, confirm=None):
    csrf = csrf_token_from(client, f"/account/set-password/{token}")
    return client.post(
        f"/account/set-password/{token}",
        data={"csrf_token": csrf, "new_password": new, "confirm": confirm or new},
    )


def test_set_password_link_works_once(app, client, sign_in, user_factory, audit_rows):
    user = user_factory(email="link@example.org")
    token = _link(app, user)
    stored = db.session.scalar(select(PasswordToken).where(PasswordToken.user_id == user.id))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    response = _set(client, token)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert sign_in("link@example.org", NEW).status_code == 303
    assert len(audit_rows(action="user.password.set")) == 1
    again = app.test_client().get(f"/account/set-password/{token}")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_expired_and_unknown_links(app, client, user_factory):
    user = user_factory(email="old@example.org")
    token = _link(app, user)
    db.session.execute(
        PasswordToken.__table__.update().values(expires_at=utcnow() - timedelta(minutes=1))
    )
    assert "expired" in client.get(f"/account/set-password/{token}").get_data(as_text=True)
    for bad in ("nope", "x" * 300, "a%00b"):
        assert client.get(f"/account/set-password/{bad}").status_code == 410


def test_a_new_link_voids_the_previous_one(app, client, user_factory):
    user = user_factory(email="twice@example.org")
    first = _link(app, user)
    _link(app, user)
    assert client.get(f"/account/set-password/{first}").status_code == 410


def test_link_password_follows_policy(app, client, user_factory):
    user = user_factory(email="policy@example.org")
    token = _link(app, user)
    response = _set(client, token, new="password1234")
    assert response.status_code == 400 and "commonly used" in response.get_data(as_text=True)
    assert db.session.scalar(select(PasswordToken.used_at)) is None


def test_setting_a_password_by_link_ends_existing_sessions(app, client, sign_in, user_factory):
    user = user_factory(email="ends@example.org")
    sign_in("ends@example.org")
    token = _link(app, user)
    _set(app.test_client(), token)
    assert client.get("/").status_code == 302
    live = db.session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all()
    assert live == []


def test_one_time_password_must_be_changed_first(client, sign_in, user_factory):
    user_factory(email="otp@example.org", must_change_password=True)
    sign_in("otp@example.org")
    blocked = client.get("/")
    assert blocked.status_code == 303 and blocked.headers["Location"].startswith(
        "/account/password"
    )
    assert _change(client).status_code == 303
    assert client.get("/").status_code == 200
