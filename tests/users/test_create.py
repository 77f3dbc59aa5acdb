"""/users/new: a one-time password or a set-password link, shown once."""

from __future__ import annotations

import hashlib
import html
import json
import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import PasswordToken, User
from portal.services.signin.sign_in import find_user_by_email
from tests.helpers.pages import NUL_CHARACTER, csrf_token_from, text
from tests.helpers.records import audit_count
from tests.helpers.signin import sign_in_with
from tests.users.helpers import role_id, user_count

ONE_TIME_PASSWORD = re.compile(r"<code data-one-time-password>([^<]+)</code>")
PASSWORD_LINK = re.compile(r"<code data-password-link>([^<]+)</code>")


def _post_new(client, **fields):
    data = {
        "csrf_token": csrf_token_from(client, "/users/new"),
        "name": "Nina New",
        "email": "nina@example.org",
        "credential": "password",
        **fields,
    }
    return client.post("/users/new", data=data)


def test_form_offers_every_role_and_both_first_sign_in_choices(client, admin):
    page = text(client.get("/users/new"))
    for name in ("Admin", "PI", "Researcher", "Analyst", "Viewer"):
        assert f">{name}</label>" in page
        assert f'value="{role_id(name)}"' in page
    assert 'value="link"' in page and 'value="password"' in page
    assert '<label class="form-label" for="email">Email</label>' in page


def test_create_with_a_one_time_password_that_signs_in(app, client, admin, audit_rows):
    response = _post_new(
        client, email="Nina@Example.org", roles=[str(role_id("Researcher")), str(role_id("Viewer"))]
    )
    assert response.status_code == 201
    password = html.unescape(ONE_TIME_PASSWORD.search(text(response)).group(1))
    assert len(password) >= 20

    user = find_user_by_email("nina@example.org")
    assert user.email == "nina@example.org" and user.name == "Nina New"
    assert user.is_active and user.must_change_password
    assert sorted(r.name for r in user.roles) == ["Researcher", "Viewer"]

    created = audit_rows(action="user.created", target_id=str(user.id))
    assert len(created) == 1 and created[0].actor_id == admin.id
    assert created[0].details["credential"] == "one-time password"
    granted = audit_rows(action="user.role.granted", target_id=str(user.id))
    assert sorted(r.details["role"] for r in granted) == ["Researcher", "Viewer"]
    assert password not in json.dumps([r.details for r in audit_rows()])

    # The person can sign in with it, in their own browser.
    response = sign_in_with(app, app.test_client(), "nina@example.org", password)
    assert response.status_code == 303
    assert audit_rows(action="auth.login.success", target_id=str(user.id))


def test_create_with_a_set_password_link(client, admin, audit_rows):
    response = _post_new(client, credential="link", roles=[str(role_id("Analyst"))])
    assert response.status_code == 201
    url = html.unescape(PASSWORD_LINK.search(text(response)).group(1))
    assert url.startswith("http://localhost/account/set-password/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 40
    assert ONE_TIME_PASSWORD.search(text(response)) is None

    user = find_user_by_email("nina@example.org")
    assert user.must_change_password is False
    digests = db.session.scalars(
        sa.select(PasswordToken.token_hash).where(PasswordToken.user_id == user.id)
    ).all()
    assert digests == [hashlib.sha256(token.encode()).hexdigest()]
    assert audit_rows(action="user.password_link.issued", target_id=str(user.id))
    assert token not in json.dumps([r.details for r in audit_rows()])


def test_the_secret_is_not_shown_again(client, admin):
    response = _post_new(client)
    password = ONE_TIME_PASSWORD.search(text(response)).group(1)
    user = find_user_by_email("nina@example.org")
    for path in ("/users", f"/users/{user.id}", "/"):
        assert password not in text(client.get(path))


def test_duplicate_email_is_a_form_error(client, admin, user_factory):
    user_factory(email="taken@example.org")
    before_users, before_audit = user_count(), audit_count()
    response = _post_new(client, email="  TAKEN@example.org ")
    assert response.status_code == 400
    assert "An account with the email taken@example.org already exists." in text(response)
    assert user_count() == before_users and audit_count() == before_audit


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
        ({"name": "Ni\x00na"}, NUL_CHARACTER),
        ({"email": ""}, "Enter an email address."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "a" * 250 + "@example.org"}, "Field cannot be longer than 254 characters."),
        ({"email": "nina\x00@example.org"}, NUL_CHARACTER),
        ({"roles": ["not-a-uuid"]}, "Choose listed roles."),
        ({"roles": ["00000000-0000-0000-0000-000000000000"]}, "Choose listed roles."),
        ({"roles": ["x" * 100_001]}, "too long"),
        ({"credential": "email-it"}, "Not a valid choice."),
        ({"credential": ""}, "Choose how they will sign in first."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(client, admin, fields, message):
    before_users, before_audit = user_count(), audit_count()
    response = _post_new(client, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert user_count() == before_users and audit_count() == before_audit


def test_missing_credential_choice_is_refused(client, admin):
    data = {"csrf_token": csrf_token_from(client, "/users/new"), "name": "N", "email": "n@ex.org"}
    response = client.post("/users/new", data=data)
    assert response.status_code == 400
    assert "Choose how they will sign in first." in text(response)
    assert find_user_by_email("n@ex.org") is None


def test_extra_fields_are_ignored(client, admin):
    response = _post_new(
        client, is_active="false", must_change_password="false", version="99", id="x"
    )
    assert response.status_code == 201
    user = db.session.scalar(sa.select(User).where(User.email == "nina@example.org"))
    assert user.is_active is True and user.version == 1 and user.must_change_password is True


def test_missing_csrf_token_is_refused(client, admin):
    response = client.post("/users/new", data={"name": "N", "email": "n@example.org"})
    assert response.status_code == 400
    assert find_user_by_email("n@example.org") is None
