"""portal.services.identity.roles: the rules hold whoever calls (not only the pages)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from portal.pagination import PageRequest
from portal.security.permissions import ALL_PERMISSIONS
from portal.services.identity import roles as role_service
from portal.services.identity.errors import RoleRuleError
from portal.services.identity.roles import (
    create_role,
    delete_role,
    permission_groups,
    roles_with_holder_counts,
    update_role,
)
from tests.roles.helpers import audit_count, role_by_name


def _edit(role: Role, **changes):
    values = {
        "name": role.name,
        "description": role.description,
        "permissions": list(role.permissions),
        "requires_mfa": role.requires_mfa,
    } | changes
    return update_role(role, **values, actor=None)


def test_permission_groups_follow_the_enum_areas(app_ctx):
    groups = permission_groups()
    assert [area for area, _ in groups] == [
        "users", "roles", "workspaces", "models", "reports", "plugins", "audit", "system"
    ]  # fmt: skip
    assert [value for _, values in groups for value in values] == list(ALL_PERMISSIONS)


def test_builtin_rename_and_delete_are_refused_by_the_service(app_ctx):
    pi = role_by_name("PI")
    with pytest.raises(RoleRuleError, match="cannot be renamed") as caught:
        _edit(pi, name="Principal")
    assert caught.value.field == "name"
    with pytest.raises(RoleRuleError, match="cannot be deleted"):
        delete_role(pi, actor=None)
    db.session.rollback()
    assert role_by_name("PI") is not None and audit_count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"permissions": ["users.view"]}, "keeps every permission"),
        ({"permissions": []}, "keeps every permission"),
        ({"requires_mfa": False}, "always requires MFA"),
    ],
)
def test_admin_rules_are_enforced_by_the_service(app_ctx, changes, message):
    with pytest.raises(RoleRuleError, match=message):
        _edit(role_by_name("Admin"), **changes)
    db.session.rollback()
    admin = role_by_name("Admin")
    assert sorted(admin.permissions) == sorted(ALL_PERMISSIONS) and admin.requires_mfa


def test_service_refuses_unknown_permissions_and_bad_names(app_ctx):
    with pytest.raises(RoleRuleError, match="Unknown permission: root"):
        create_role(
            name="Lab", description="", permissions=["root"], requires_mfa=False, actor=None
        )
    with pytest.raises(RoleRuleError, match="2 to 64"):
        create_role(name="L", description="", permissions=[], requires_mfa=False, actor=None)
    with pytest.raises(RoleRuleError, match="at most 1000"):
        create_role(
            name="Lab", description="x" * 1001, permissions=[], requires_mfa=False, actor=None
        )


def test_a_concurrent_duplicate_name_is_a_rule_error_not_a_500(app_ctx, monkeypatch):
    # Another request saved the same name between our check and our insert.
    monkeypatch.setattr(role_service, "_valid_name", lambda name, **kwargs: name)
    with pytest.raises(RoleRuleError, match="saved meanwhile"):
        create_role(name="Viewer", description="", permissions=[], requires_mfa=False, actor=None)
    db.session.rollback()
    assert role_by_name("Viewer").is_builtin


def test_list_rows_carry_holder_counts(app_ctx, user_factory):
    user_factory(roles=["Viewer", "Analyst"])
    user_factory(roles=["Viewer"])
    page = roles_with_holder_counts(q="", sort="holders", page=PageRequest(per_page=2))
    assert [(row.name, row.holders) for row in page.items] == [("Viewer", 2), ("Analyst", 1)]
    assert page.next_cursor is not None and page.prev_cursor is None
