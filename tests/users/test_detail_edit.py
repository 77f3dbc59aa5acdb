"""/users/<id> and /users/<id>/edit (with optimistic locking)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from portal.services import audit
from tests.helpers.pages import NUL_CHARACTER, VERSION, conflict_page, csrf_token_from, text
from tests.helpers.records import audit_count
from tests.users.helpers import make_session, user_state


def test_detail_shows_roles_mfa_lockout_sessions_and_sign_in(client, admin, user_factory):
    target = user_factory(
        email="target@example.org",
        name="Tess Target",
        roles=["Researcher", "Viewer"],
        mfa=True,
        mfa_enrolled_at=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        locked_until=datetime(2999, 1, 1, 12, 0, tzinfo=UTC),
        failed_login_count=10,
        last_login_at=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
        last_login_ip="198.51.100.7",
    )
    make_session(target, ip="203.0.113.5", user_agent="Firefox/123 <script>")
    make_session(target, ip="203.0.113.6", revoked_at=utcnow())
    make_session(target, ip="203.0.113.7", expires_at=utcnow() - timedelta(minutes=1))

    response = client.get(f"/users/{target.id}")
    assert response.status_code == 200
    page = text(response)
    assert "Tess Target" in page and "target@example.org" in page
    assert 'data-role="Researcher"' in page and 'data-role="Viewer"' in page
    assert 'Enrolled <time datetime="2024-03-01T09:30:00+00:00">2024-03-01 09:30 UTC</time>' in page
    assert (
        'Locked until <time datetime="2999-01-01T12:00:00+00:00">2999-01-01 12:00 UTC</time>'
        in page
    )
    assert "10 failed sign-ins" in page
    assert (
        '<time datetime="2024-05-06T07:08:00+00:00">2024-05-06 07:08 UTC</time>'
        " from 198.51.100.7" in page
    )
    assert "203.0.113.5" in page and "Firefox/123 &lt;script&gt;" in page
    assert "203.0.113.6" not in page and "203.0.113.7" not in page
    # An administrator sees the actions.
    for action in ("edit", "deactivate", "unlock", "reset-mfa", "revoke-sessions", "password-link"):
        assert f'href="/users/{target.id}/{action}"' in page
    assert f'action="/users/{target.id}/roles"' in page


def test_detail_of_a_plain_user(client, admin, user_factory):
    target = user_factory(email="plain@example.org", is_active=False)
    page = text(client.get(f"/users/{target.id}"))
    assert "Not enrolled" in page and "Not locked" in page and "Never" in page
    assert "No roles." in page and "No active sessions." in page
    assert f'href="/users/{target.id}/reactivate"' in page
    assert f'href="/users/{target.id}/deactivate"' not in page


def test_detail_lists_the_20_newest_events_about_or_by_the_user(client, admin, user_factory):
    target = user_factory(email="busy@example.org")
    other = user_factory(email="other@example.org")
    for i in range(15):
        audit.record(audit.Action.USER_UPDATED, target=target, actor=None, details={"i": i})
    for _ in range(10):
        audit.record(audit.Action.USER_UNLOCKED, target=other, actor=target)
    audit.record(audit.Action.USER_REACTIVATED, target=other, actor=None)  # neither

    page = text(client.get(f"/users/{target.id}"))
    events = re.findall(r'data-event="([^"]+)"', page)
    assert len(events) == 20
    # Newest first: the 10 by the user, then the 10 newest about the user.
    assert events == ["user.unlocked"] * 10 + ["user.updated"] * 10
    assert "user.reactivated" not in events


def test_unknown_or_malformed_id_is_404(client, admin):
    assert client.get(f"/users/{uuid.uuid4()}").status_code == 404
    assert client.get("/users/not-a-uuid").status_code == 404
    assert client.get(f"/users/{uuid.uuid4()}/edit").status_code == 404


def _edit(client, uid, **fields):
    page = text(client.get(f"/users/{uid}/edit"))
    data = {
        "csrf_token": csrf_token_from(client, f"/users/{uid}/edit"),
        "version": VERSION.search(page).group(1),
        **fields,
    }
    return client.post(f"/users/{uid}/edit", data=data)


def test_edit_changes_name_and_email_and_records_before_after(
    client, admin, user_factory, audit_rows
):
    target = user_factory(email="old@example.org", name="Old Name")
    page = text(client.get(f"/users/{target.id}/edit"))
    assert 'value="Old Name"' in page and VERSION.search(page).group(1) == "1"

    response = _edit(client, target.id, name="  New Name ", email="New@Example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/users/{target.id}"
    user = db.session.get(User, target.id)
    assert (user.name, user.email, user.version) == ("New Name", "new@example.org", 2)
    [row] = audit_rows(action="user.updated", target_id=str(target.id))
    assert row.details == {
        "before": {"name": "Old Name", "email": "old@example.org"},
        "after": {"name": "New Name", "email": "new@example.org"},
    }
    assert row.actor_id == admin.id


def test_edit_records_only_changed_fields(client, admin, user_factory, audit_rows):
    target = user_factory(email="same@example.org", name="Old Name")
    assert _edit(client, target.id, name="Other", email="same@example.org").status_code == 303
    [row] = audit_rows(action="user.updated", target_id=str(target.id))
    assert row.details == {"before": {"name": "Old Name"}, "after": {"name": "Other"}}


def test_edit_without_changes_records_nothing(client, admin, user_factory, audit_rows):
    target = user_factory(email="same@example.org", name="Same")
    response = _edit(client, target.id, name="Same", email="SAME@example.org")
    assert response.status_code == 303
    assert "Nothing changed." in text(client.get(response.headers["Location"]))
    assert audit_rows(action="user.updated") == []
    assert db.session.get(User, target.id).version == 1


def test_edit_conflict_when_someone_else_changed_the_user(client, admin, user_factory, audit_rows):
    target = user_factory(email="race@example.org", name="Original")
    page = text(client.get(f"/users/{target.id}/edit"))
    old_version = VERSION.search(page).group(1)
    token = csrf_token_from(client, f"/users/{target.id}/edit")

    # Meanwhile, another administrator saves a change.
    target.name, target.version = "Changed elsewhere", target.version + 1
    db.session.flush()
    before = user_state(target.id)

    response = client.post(
        f"/users/{target.id}/edit",
        data={"csrf_token": token, "version": old_version, "name": "Mine", "email": "m@ex.org"},
    )
    page = conflict_page(response, "user", "Changed elsewhere")
    assert user_state(target.id) == before
    assert audit_rows(action="user.updated") == []

    # The form now carries the current version: submitting again is a deliberate overwrite.
    assert VERSION.search(page).group(1) == "2"
    response = client.post(
        f"/users/{target.id}/edit",
        data={"csrf_token": token, "version": "2", "name": "Mine", "email": "m@ex.org"},
    )
    assert response.status_code == 303
    assert db.session.get(User, target.id).name == "Mine"


def test_edit_to_a_taken_email_is_a_form_error(client, admin, user_factory):
    user_factory(email="taken@example.org")
    target = user_factory(email="mine@example.org")
    before = user_state(target.id)
    response = _edit(client, target.id, name="X", email="Taken@example.org")
    assert response.status_code == 400
    assert "An account with the email taken@example.org already exists." in text(response)
    assert user_state(target.id) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"version": "abc"}, "Not a valid integer value."),
        ({"version": ""}, "The form is missing its version; reload the page."),
        ({"version": None}, "The form is missing its version; reload the page."),
        ({"version": "1\x00"}, NUL_CHARACTER),
        ({"name": ""}, "Enter a name."),
        ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
        ({"name": "a\x00b"}, NUL_CHARACTER),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"email": "a@b.org\x00"}, NUL_CHARACTER),
        ({"email": "e" * 100_001}, "too long"),
    ],
)
def test_bad_edit_input_changes_nothing(client, admin, user_factory, fields, message):
    target = user_factory(email="stay@example.org", name="Stay")
    before, events = user_state(target.id), audit_count()
    data = {
        "csrf_token": csrf_token_from(client, f"/users/{target.id}/edit"),
        "version": "1",
        "name": "Changed",
        "email": "changed@example.org",
        **fields,
    }
    response = client.post(
        f"/users/{target.id}/edit", data={k: v for k, v in data.items() if v is not None}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert user_state(target.id) == before and audit_count() == events


def test_edit_ignores_extra_fields_and_other_ids(client, admin, user_factory):
    target = user_factory(email="a@example.org", name="A")
    other = user_factory(email="b@example.org", name="B")
    other_before = user_state(other.id)
    response = _edit(
        client,
        target.id,
        name="A2",
        email="a@example.org",
        id=str(other.id),
        user_id=str(other.id),
        is_active="false",
        password_hash="x",
    )
    assert response.status_code == 303
    user = db.session.get(User, target.id)
    assert user.name == "A2" and user.is_active is True and user.password_hash != "x"
    assert user_state(other.id) == other_before
