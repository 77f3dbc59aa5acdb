"""/roles/<id>/delete: typed confirmation, holder count, cascade, audit; built-ins stay."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, UserRole
from tests.helpers.pages import csrf_token_from
from tests.helpers.pages import text as page_text
from tests.roles.helpers import audit_count, role_by_name


def _grants(role_id) -> int:
    stmt = select(func.count()).select_from(UserRole).where(UserRole.role_id == role_id)
    return db.session.scalar(stmt)


def _post_delete(client, role_id, confirmation):
    path = f"/roles/{role_id}/delete"
    token = csrf_token_from(client, f"/roles/{role_id}")
    return client.post(path, data={"csrf_token": token, "confirmation": confirmation})


def test_confirmation_page_names_how_many_hold_the_role(client, admin, user_factory, make_role):
    role = make_role("Lab Lead", holders=[user_factory() for _ in range(3)])
    response = client.get(f"/roles/{role.id}/delete")
    assert response.status_code == 200
    page = html.unescape(page_text(response))
    assert "3 users hold the role Lab Lead" in page
    assert "Type the role's name, Lab Lead, to confirm." in page
    assert 'name="confirmation"' in page and f'action="/roles/{role.id}/delete"' in page
    one = make_role("Solo", holders=[user_factory()])
    assert "1 user holds the role Solo" in page_text(client.get(f"/roles/{one.id}/delete"))


def test_wrong_confirmation_is_a_form_error_and_changes_nothing(
    client, admin, user_factory, make_role
):
    role = make_role("Lab Lead", holders=[user_factory(), user_factory()])
    audits = audit_count()
    for typed in ("Lab", "Lab Leader", ""):
        response = _post_delete(client, role.id, typed)
        assert response.status_code == 400
        text = page_text(response)
        assert "Type Lab Lead exactly to confirm." in text or "Type the confirmation." in text
    assert db.session.get(Role, role.id) is not None
    assert _grants(role.id) == 2 and audit_count() == audits


def test_delete_with_typed_name_removes_role_and_grants_and_records_holders(
    client, admin, user_factory, make_role, audit_rows
):
    people = [user_factory(email=f"p{n}@example.org") for n in (2, 1, 3)]
    role = make_role("Lab Lead", ["models.view"], description="Leads.", holders=people)
    role_id = role.id
    response = _post_delete(client, role_id, "lab lead")
    assert response.status_code == 303 and response.headers["Location"] == "/roles"
    db.session.expire_all()
    assert db.session.get(Role, role_id) is None and _grants(role_id) == 0
    [row] = audit_rows(action="role.deleted", target_id=str(role_id))
    assert row.target_type == "role" and row.actor_id == admin.id
    assert row.details == {
        "before": {
            "name": "Lab Lead",
            "description": "Leads.",
            "permissions": ["models.view"],
            "requires_mfa": False,
        },
        "holder_count": 3,
        "holder_emails": ["p1@example.org", "p2@example.org", "p3@example.org"],
        "holder_emails_truncated": False,
    }
    page = page_text(client.get("/roles"))
    assert "The role Lab Lead was deleted and taken from 3 users." in page


def test_delete_audits_at_most_a_hundred_holder_emails(
    client, admin, user_factory, make_role, audit_rows
):
    role = make_role("Crowd", holders=[user_factory() for _ in range(102)])
    role_id = role.id
    assert _post_delete(client, role_id, "Crowd").status_code == 303
    assert db.session.get(Role, role_id) is None
    [row] = audit_rows(action="role.deleted", target_id=str(role_id))
    assert row.details["holder_count"] == 102
    assert len(row.details["holder_emails"]) == 100 and row.details["holder_emails_truncated"]


def test_builtin_roles_cannot_be_deleted(client, admin, user_factory):
    user_factory(roles=["Researcher"])
    researcher = role_by_name("Researcher")
    response = client.get(f"/roles/{researcher.id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/roles/{researcher.id}"
    audits = audit_count()
    # Even a hand-made POST with the right name is refused by the service.
    response = _post_delete(client, researcher.id, "Researcher")
    assert response.status_code == 303
    assert "Researcher is a built-in role: it cannot be deleted." in page_text(
        client.get(response.headers["Location"])
    )
    assert role_by_name("Researcher") is not None
    assert _grants(researcher.id) == 1 and audit_count() == audits
