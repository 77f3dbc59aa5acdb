"""Granting and revoking roles, and the last active administrator's protection."""

from __future__ import annotations

import uuid

import pytest

from portal.extensions import db
from portal.models import User
from tests.helpers.pages import NUL_CHARACTER, flashes_after, post_form, text
from tests.helpers.records import audit_count
from tests.users.helpers import role_id, user_state


def _post(client, path, **data):
    return post_form(client, path, data, token_from="/users/new")


def _roles(user_id):
    return sorted(role.name for role in db.session.get(User, user_id).roles)


def test_detail_offers_only_roles_not_held(client, admin, user_factory):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    page = text(client.get(f"/users/{target.id}"))
    assert f'<option value="{role_id("Analyst")}">Analyst</option>' in page
    assert f'<option value="{role_id("Viewer")}">' not in page
    assert f'href="/users/{target.id}/roles/{role_id("Viewer")}/revoke"' in page


def test_grant_role(client, admin, user_factory, audit_rows):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    response = _post(client, f"/users/{target.id}/roles", role_id=role_id("Analyst"))
    assert "r@example.org now holds the Analyst role." in flashes_after(client, response)
    assert _roles(target.id) == ["Analyst", "Viewer"]
    [row] = audit_rows(action="user.role.granted", target_id=str(target.id))
    assert row.details["role"] == "Analyst" and row.actor_id == admin.id


def test_granting_a_held_role_is_refused(client, admin, user_factory, audit_rows):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    response = _post(client, f"/users/{target.id}/roles", role_id=role_id("Viewer"))
    assert "r@example.org already holds the Viewer role." in flashes_after(client, response)
    assert audit_rows(action="user.role.granted") == []


def test_revoke_action_leads_to_the_confirmation_page(client, admin, user_factory):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    viewer = role_id("Viewer")
    response = _post(client, f"/users/{target.id}/roles", role_id=viewer, action="revoke")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/users/{target.id}/roles/{viewer}/revoke"
    assert _roles(target.id) == ["Viewer"]


def test_revoke_role_after_confirmation(client, admin, user_factory, audit_rows):
    target = user_factory(email="r@example.org", roles=["Viewer", "Analyst"])
    path = f"/users/{target.id}/roles/{role_id('Viewer')}/revoke"
    page = text(client.get(path))
    assert "Revoke Viewer from r@example.org" in page
    assert _roles(target.id) == ["Analyst", "Viewer"]
    response = _post(client, path)
    assert "r@example.org no longer holds the Viewer role." in flashes_after(client, response)
    assert _roles(target.id) == ["Analyst"]
    [row] = audit_rows(action="user.role.revoked", target_id=str(target.id))
    assert row.details["role"] == "Viewer"


@pytest.mark.parametrize(
    "role_path",
    [
        lambda: role_id("Analyst"),  # exists, not held
        lambda: uuid.uuid4(),  # no such role
        lambda: "not-a-uuid",
    ],
)
def test_revoking_a_role_not_held_is_404(client, admin, user_factory, role_path):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    path = f"/users/{target.id}/roles/{role_path()}/revoke"
    before = user_state(target.id)
    assert client.get(path).status_code == 404
    assert _post(client, path).status_code == 404
    assert user_state(target.id) == before


def test_role_ids_of_another_user_do_not_leak(client, admin, user_factory):
    holder = user_factory(email="holder@example.org", roles=["Analyst"])
    target = user_factory(email="r@example.org", roles=["Viewer"])
    path = f"/users/{target.id}/roles/{role_id('Analyst')}/revoke"
    assert _post(client, path).status_code == 404
    assert _roles(holder.id) == ["Analyst"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role_id": str(uuid.uuid4())}, "Choose a role from the list."),
        ({"role_id": "not-a-uuid"}, "Choose a role from the list."),
        ({"role_id": ""}, "Choose a role from the list."),
        ({"role_id": "x\x00"}, NUL_CHARACTER),
        ({"role_id": "r" * 100_001}, "too long"),
        ({"role_id": "ROLE:Analyst", "action": "delete"}, "Grant or revoke."),
    ],
)
def test_bad_role_form_input_changes_nothing(client, admin, user_factory, data, message):
    target = user_factory(email="r@example.org", roles=["Viewer"])
    before, events = user_state(target.id), audit_count()
    response = _post(client, f"/users/{target.id}/roles", **data)
    assert response.status_code == 400
    assert message in text(response)
    assert user_state(target.id) == before and audit_count() == events


def test_unknown_user_for_roles_is_404(client, admin):
    response = _post(client, f"/users/{uuid.uuid4()}/roles", role_id=role_id("Viewer"))
    assert response.status_code == 404


# The last active administrator: a non-Admin account manager tries to remove them.


@pytest.fixture
def only_admin(user_factory):
    return user_factory(email="only@example.org", roles=["Admin"], mfa=True)


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("deactivate", {"confirmation": "only@example.org"}, "cannot be deactivated"),
        ("reset-mfa", {}, "cannot be stripped of MFA"),
        ("roles/{admin_role}/revoke", {}, "cannot lose the Admin role"),
    ],
)
def test_the_last_active_admin_is_protected(
    client, manager, only_admin, path, data, message, audit_rows
):
    path = path.format(admin_role=role_id("Admin"))
    before, events = user_state(only_admin.id), audit_count()
    response = _post(client, f"/users/{only_admin.id}/{path}", **data)
    page = flashes_after(client, response)
    assert message in page and "alert-danger" in page
    assert user_state(only_admin.id) == before and audit_count() == events


def test_the_last_admin_cannot_demote_themselves(client, admin):
    before = user_state(admin.id)
    response = _post(client, f"/users/{admin.id}/roles/{role_id('Admin')}/revoke")
    assert "cannot lose the Admin role" in flashes_after(client, response)
    assert user_state(admin.id) == before


def test_with_two_admins_one_can_be_demoted_and_deactivated(
    client, manager, only_admin, user_factory, audit_rows
):
    second = user_factory(email="second@example.org", roles=["Admin"], mfa=True)
    response = _post(client, f"/users/{second.id}/roles/{role_id('Admin')}/revoke")
    assert "no longer holds the Admin role" in flashes_after(client, response)
    assert _roles(second.id) == []
    # Now only_admin is the last one again.
    response = _post(client, f"/users/{only_admin.id}/deactivate", confirmation=only_admin.email)
    assert "cannot be deactivated" in flashes_after(client, response)
    assert db.session.get(User, only_admin.id).is_active is True


def test_a_deactivated_admin_does_not_count(client, manager, only_admin, user_factory):
    user_factory(email="dormant@example.org", roles=["Admin"], mfa=True, is_active=False)
    response = _post(client, f"/users/{only_admin.id}/reset-mfa")
    assert "cannot be stripped of MFA" in flashes_after(client, response)
    assert db.session.get(User, only_admin.id).mfa_enrolled_at is not None
