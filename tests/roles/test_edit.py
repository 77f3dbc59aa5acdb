"""/roles/<id>: edit a role; built-in and Admin rules; in force on the next request."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from portal.extensions import db
from portal.models import Role
from portal.security.permissions import ALL_PERMISSIONS
from tests.helpers.pages import csrf_token_from
from tests.helpers.pages import text as page_text
from tests.helpers.signin import signed_in_client
from tests.roles.helpers import audit_count, role_by_name

BOX_RE = re.compile(r'<input[^>]*name="permissions"[^>]*>')


def _post_edit(client, role: Role, **changes):
    path = f"/roles/{role.id}"
    data = {
        "csrf_token": csrf_token_from(client, path),
        "name": role.name,
        "description": role.description,
        "permissions": list(role.permissions),
    }
    if role.requires_mfa:
        data["requires_mfa"] = "y"
    data.update(changes)
    return client.post(path, data=data)


def _state(role: Role) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Role, role.id)
    return fresh.name, fresh.description, sorted(fresh.permissions), fresh.requires_mfa


def test_detail_shows_the_form_filled_in_and_the_holders(client, admin, user_factory, make_role):
    people = [user_factory(email=f"holder{n}@example.org", roles=["Viewer"]) for n in range(3)]
    role = make_role("Lab Lead", ["models.view"], description="Leads.", holders=people)
    page = page_text(client.get(f"/roles/{role.id}"))
    assert 'value="Lab Lead"' in page and "Leads.</textarea>" in page
    checked = [
        re.search(r'value="([^"]+)"', box).group(1)
        for box in BOX_RE.findall(page)
        if re.search(r"\bchecked\b", box)
    ]
    assert checked == ["models.view"]
    assert '<span class="badge text-bg-light" data-holder-count>3</span>' in page
    for person in people:
        assert person.email in page
    assert 'href="/users?role=Lab+Lead"' in page or 'href="/users?role=Lab%20Lead"' in page
    assert f'href="/roles/{role.id}/delete"' in page


def test_detail_lists_only_the_first_fifty_holders(client, admin, user_factory, make_role):
    people = [user_factory(email=f"h{n:03d}@example.org") for n in range(55)]
    role = make_role("Crowd", holders=people)
    page = page_text(client.get(f"/roles/{role.id}"))
    assert "h049@example.org" in page and "h050@example.org" not in page
    assert "data-holder-count>55<" in page and "Showing the first 50 by email." in page


def test_edit_permissions_and_mfa_records_before_and_after(client, admin, make_role, audit_rows):
    role = make_role("Lab Lead", ["models.view", "plugins.view"], description="Old.")
    response = _post_edit(
        client,
        role,
        description="New.",
        permissions=["models.view", "models.register", "reports.generate"],
        requires_mfa="y",
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/roles/{role.id}"
    assert _state(role) == (
        "Lab Lead",
        "New.",
        ["models.register", "models.view", "reports.generate"],
        True,
    )
    [row] = audit_rows(action="role.updated", target_id=str(role.id))
    assert row.actor_id == admin.id
    assert row.details == {
        "before": {
            "description": "Old.",
            "requires_mfa": False,
            "permissions": ["models.view", "plugins.view"],
        },
        "after": {
            "description": "New.",
            "requires_mfa": True,
            "permissions": ["models.view", "models.register", "reports.generate"],
        },
        "permissions_added": ["models.register", "reports.generate"],
        "permissions_removed": ["plugins.view"],
    }


def test_rename_custom_role(client, admin, make_role, audit_rows):
    role = make_role("Lab Lead", ["models.view"])
    assert _post_edit(client, role, name="Bench Lead").status_code == 303
    assert _state(role)[0] == "Bench Lead"
    [row] = audit_rows(action="role.updated", target_id=str(role.id))
    assert row.details == {"before": {"name": "Lab Lead"}, "after": {"name": "Bench Lead"}}


@pytest.mark.parametrize("name", ["viewer", "Bench lead"])
def test_rename_onto_an_existing_name_is_refused(client, admin, make_role, name):
    make_role("Bench Lead")
    role = make_role("Lab Lead", ["models.view"])
    before, audits = _state(role), audit_count()
    response = _post_edit(client, role, name=name)
    assert response.status_code == 400
    assert "already exists (names are compared ignoring case)" in page_text(response)
    assert _state(role) == before and audit_count() == audits


def test_saving_without_changes_records_nothing(client, admin, make_role, audit_rows):
    role = make_role("Lab Lead", ["models.view"], description="Same.")
    response = _post_edit(client, role)
    assert response.status_code == 303
    assert "Nothing changed." in page_text(client.get(response.headers["Location"]))
    assert audit_rows(action="role.updated") == []


def test_permission_change_is_in_force_on_the_next_request(
    app, client, admin, user_factory, make_role
):
    lead = user_factory(email="lead@example.org")
    role = make_role("Lab Lead", ["models.view"], holders=[lead])
    lead_client = signed_in_client(app, lead)
    assert lead_client.get("/roles").status_code == 403

    assert _post_edit(client, role, permissions=["models.view", "roles.manage"]).status_code == 303
    assert lead_client.get("/roles").status_code == 200
    assert 'href="/roles">Roles</a>' in page_text(lead_client.get("/"))

    db.session.expire_all()
    role = db.session.get(Role, role.id)
    assert _post_edit(client, role, permissions=["models.view"]).status_code == 303
    assert lead_client.get("/roles").status_code == 403


def test_builtin_name_is_read_only_and_a_rename_is_refused(client, admin, audit_rows):
    pi = role_by_name("PI")
    page = page_text(client.get(f"/roles/{pi.id}"))
    assert "readonly" in page and "Built-in roles keep their names." in page
    assert f'href="/roles/{pi.id}/delete"' not in page
    before = _state(pi)
    response = _post_edit(client, pi, name="Principal Investigator")
    assert response.status_code == 400
    assert "PI is a built-in role: it cannot be renamed." in page_text(response)
    assert _state(pi) == before and audit_rows(action="role.updated") == []


def test_builtin_description_and_permissions_can_change(client, admin, audit_rows):
    viewer = role_by_name("Viewer")
    response = _post_edit(
        client, viewer, description="Reads things.", permissions=["models.view", "plugins.view"]
    )
    assert response.status_code == 303
    assert _state(viewer) == ("Viewer", "Reads things.", ["models.view", "plugins.view"], False)
    assert audit_rows(action="role.updated")[0].details["permissions_added"] == ["plugins.view"]


def test_admin_keeps_every_permission(client, admin, audit_rows):
    admin_role = role_by_name("Admin")
    page = page_text(client.get(f"/roles/{admin_role.id}"))
    boxes = BOX_RE.findall(page)
    assert len(boxes) == len(ALL_PERMISSIONS) and all(re.search(r"\bchecked\b", b) for b in boxes)
    assert "The Admin role keeps every permission and always requires MFA." in page
    before = _state(admin_role)
    kept = [p for p in ALL_PERMISSIONS if p != "roles.manage"]
    response = _post_edit(client, admin_role, permissions=kept)
    assert response.status_code == 400
    text = html.unescape(page_text(response))
    assert "The Admin role keeps every permission" in text and "cannot lose: roles.manage." in text
    assert _state(admin_role) == before and audit_rows(action="role.updated") == []
    assert client.get("/roles").status_code == 200


def test_admin_always_requires_mfa(client, admin, audit_rows):
    admin_role = role_by_name("Admin")
    path = f"/roles/{admin_role.id}"
    data = {
        "csrf_token": csrf_token_from(client, path),
        "name": "Admin",
        "description": admin_role.description,
        "permissions": list(ALL_PERMISSIONS),
    }  # requires_mfa left unticked
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "The Admin role always requires MFA" in html.unescape(page_text(response))
    assert _state(admin_role)[3] is True and audit_rows(action="role.updated") == []


def test_admin_description_can_change(client, admin):
    admin_role = role_by_name("Admin")
    assert _post_edit(client, admin_role, description="Runs it all.").status_code == 303
    assert _state(admin_role)[1] == "Runs it all."


def test_unknown_permission_on_edit_is_a_form_error(client, admin, make_role):
    role = make_role("Lab Lead", ["models.view"])
    before = _state(role)
    response = _post_edit(client, role, permissions=["models.view", "roles.everything"])
    assert response.status_code == 400
    assert "Unknown permission: roles.everything." in page_text(response)
    assert _state(role) == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("suffix", ["", "/delete"])
def test_unknown_role_is_a_404(client, admin, method, suffix):
    token = csrf_token_from(client, "/roles/new")
    path = f"/roles/{uuid.uuid4()}{suffix}"
    response = getattr(client, method)(path, data={"csrf_token": token})
    assert response.status_code == 404


def test_malformed_role_id_is_a_404(client, admin):
    assert client.get("/roles/not-a-uuid").status_code == 404
    assert client.get("/roles/123/delete").status_code == 404
