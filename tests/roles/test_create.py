"""/roles/new: the permission grid, name rules, unknown permissions, audit."""

from __future__ import annotations

import html
import re

import pytest

from portal.models import Role
from portal.security.permissions import ALL_PERMISSIONS
from tests.helpers.pages import NUL_CHARACTER, csrf_token_from
from tests.helpers.pages import text as page_text
from tests.roles.helpers import audit_count, role_by_name, role_count

AREAS = ["users", "roles", "workspaces", "models", "reports", "plugins", "audit", "system"]


def _post_new(client, **fields):
    data = {"csrf_token": csrf_token_from(client, "/roles/new"), "description": ""} | fields
    return client.post("/roles/new", data=data)


def test_form_is_a_fieldset_per_area_with_a_label_per_checkbox(client, admin):
    page = page_text(client.get("/roles/new"))
    legends = re.findall(r"<legend[^>]*>(.*?)</legend>", page)
    assert legends == [area.capitalize() for area in AREAS]
    assert page.count("<fieldset") == len(AREAS)
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    values = [
        re.search(r'value="([^"]+)"', box).group(1) for box in boxes if 'name="permissions"' in box
    ]
    assert values == list(ALL_PERMISSIONS)
    for box in boxes:
        box_id = re.search(r'id="([^"]+)"', box).group(1)
        assert f'<label class="form-check-label" for="{box_id}">' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and " style=" not in page


def test_create_role_with_several_permissions(client, admin, audit_rows):
    response = _post_new(
        client,
        name="  Lab   Lead ",
        description="Runs the wet lab.",
        permissions=["reports.generate", "models.view", "models.register"],
        requires_mfa="y",
    )
    assert response.status_code == 303
    role = role_by_name("Lab Lead")
    assert response.headers["Location"] == f"/roles/{role.id}"
    assert role.permissions == ["models.view", "models.register", "reports.generate"]
    assert role.requires_mfa is True and role.is_builtin is False
    assert role.description == "Runs the wet lab."
    [row] = audit_rows(action="role.created", target_id=str(role.id))
    assert row.actor_id == admin.id and row.target_type == "role"
    assert row.details == {
        "after": {
            "name": "Lab Lead",
            "description": "Runs the wet lab.",
            "permissions": ["models.view", "models.register", "reports.generate"],
            "requires_mfa": True,
        }
    }
    assert "The role Lab Lead was created." in page_text(client.get(response.headers["Location"]))


def test_extra_form_fields_are_ignored(client, admin):
    response = _post_new(
        client, name="Sneaky", permissions=["models.view"], is_builtin="y", id="1", holders="9"
    )
    assert response.status_code == 303
    assert role_by_name("Sneaky").is_builtin is False


@pytest.mark.parametrize("name", ["admin", "ADMIN", "lab lead", "LAB LEAD", "Lab  Lead"])
def test_duplicate_names_are_refused_ignoring_case(client, admin, make_role, name):
    make_role("Lab Lead")
    before, audits = role_count(), audit_count()
    response = _post_new(client, name=name, permissions=["models.view"])
    assert response.status_code == 400
    assert "already exists (names are compared ignoring case)" in page_text(response)
    assert role_count() == before and audit_count() == audits


@pytest.mark.parametrize(
    "values", [["models.view", "users.delete"], ["superuser"], ["models.view", "x" * 5000]]
)
def test_unknown_permission_values_are_a_form_error(client, admin, values):
    before = role_count()
    response = _post_new(client, name="Lab Lead", permissions=values)
    assert response.status_code == 400
    text = html.unescape(page_text(response))
    assert "Unknown permission: " in text and "Choose only from the permissions listed." in text
    assert ("users.delete" in text) is ("users.delete" in values)
    assert role_count() == before and role_by_name("Lab Lead") is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the role."),
        ("   ", "Enter a name for the role."),
        ("x", "A role name has 2 to 64 characters."),
        ("x" * 65, "A role name has 2 to 64 characters."),
        ("Lab\x00Lead", NUL_CHARACTER),
        ("Lab<b>Lead", "Use letters A to Z, digits, spaces"),
        ("Lab.Lead", "Use letters A to Z, digits, spaces"),
        ("-Lead", "Use letters A to Z, digits, spaces"),
        ("\u0410dmin", "Use letters A to Z, digits, spaces"),  # a Cyrillic A
        ("Lab\tLead", "Use letters A to Z, digits, spaces"),
    ],
)
def test_bad_names_are_refused(client, admin, name, message):
    before, audits = role_count(), audit_count()
    response = _post_new(client, name=name, permissions=["models.view"])
    assert response.status_code == 400
    assert message in html.unescape(page_text(response))
    assert role_count() == before and audit_count() == audits


def test_over_long_description_is_refused(client, admin):
    response = _post_new(client, name="Lab Lead", description="d" * 1001)
    assert response.status_code == 400
    assert "Field cannot be longer than 1000 characters." in page_text(response)
    assert role_by_name("Lab Lead") is None


def test_role_without_permissions_may_be_created(client, admin):
    assert _post_new(client, name="Placeholder").status_code == 303
    role = role_by_name("Placeholder")
    assert isinstance(role, Role) and role.permissions == [] and role.requires_mfa is False
