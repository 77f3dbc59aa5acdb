"""/users: search, filters, sort, keyset pages, the capped count, and refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from tests.factories import PASSWORD_HASH, UserFactory
from tests.helpers.lists import BAD_PAGING, keyset_order, next_cursor, refusal, walk_pages
from tests.helpers.pages import NEXT_LINK, NUL_CHARACTER, PREV_LINK, error_detail, link, text
from tests.users.helpers import listed_emails


def _db_order(*order_by: sa.ColumnElement, where: sa.ColumnElement | None = None) -> list[str]:
    stmt = sa.select(User.email).order_by(*order_by)
    if where is not None:
        stmt = stmt.where(where)
    return list(db.session.scalars(stmt))


def test_list_shows_users_and_count(client, admin, user_factory):
    user_factory(email="zed@example.org", name="Zed Zulu", roles=["Researcher"])
    response = client.get("/users")
    assert response.status_code == 200
    page = text(response)
    assert listed_emails(response) == ["admin@example.org", "zed@example.org"]
    assert "2 users" in page
    assert "Researcher" in page and "Zed Zulu" in page
    assert 'href="/users/new"' in page


def test_walking_next_and_previous_pages(client, admin):
    UserFactory.create_batch(60)
    expected = _db_order(User.email, User.id, where=User.email.like("user%"))
    assert len(expected) == 60

    # Filters and page size stay in the links.
    responses = walk_pages(client, "/users?q=user&per_page=25", keeps=("q=user", "per_page=25"))
    assert "60 users" in text(responses[0])
    assert link(PREV_LINK, responses[0]) is None
    pages = [listed_emails(response) for response in responses]
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [email for p in pages for email in p] == expected

    # And back again from the last page.
    back = client.get(link(PREV_LINK, responses[-1]))
    assert listed_emails(back) == pages[1]
    first = client.get(link(PREV_LINK, back))
    assert listed_emails(first) == pages[0]
    assert link(PREV_LINK, first) is None


@pytest.mark.parametrize(
    ("sort", "order"),
    [("email", "desc"), ("name", "asc"), ("name", "desc"), ("created", "asc")],
)
def test_sort_orders_across_pages(client, admin, sort, order):
    base = utcnow() - timedelta(days=30)
    for i in range(12):
        UserFactory(name=f"Name {(i * 7) % 12:02d}", created_at=base + timedelta(hours=i))
    column = {"email": User.email, "name": User.name, "created": User.created_at}[sort]
    expected = _db_order(*keyset_order(column, User.id, order))

    responses = walk_pages(client, f"/users?sort={sort}&order={order}&per_page=5")
    assert [email for response in responses for email in listed_emails(response)] == expected


def test_sort_by_last_sign_in_puts_never_first(client, admin, user_factory):
    now = utcnow()
    user_factory(email="recent@example.org", last_login_at=now - timedelta(hours=1))
    user_factory(email="old@example.org", last_login_at=now - timedelta(days=90))
    user_factory(email="never@example.org")
    response = client.get("/users", query_string={"sort": "last_sign_in", "per_page": 2})
    assert listed_emails(response) == ["never@example.org", "old@example.org"]
    rest = client.get(link(NEXT_LINK, response))
    # The admin signed in just now, after "recent".
    assert listed_emails(rest) == ["recent@example.org", "admin@example.org"]
    newest = client.get("/users", query_string={"sort": "last_sign_in", "order": "desc"})
    assert listed_emails(newest)[:2] == ["admin@example.org", "recent@example.org"]


def test_search_by_email_or_name_prefix(client, admin, user_factory):
    user_factory(email="carol@example.org", name="Zora Quill")
    user_factory(email="zoe@example.org", name="Bob Brown")
    user_factory(email="x@example.org", name="Carla Cruz")
    assert listed_emails(client.get("/users?q=car")) == ["carol@example.org", "x@example.org"]
    assert listed_emails(client.get("/users?q=ZO")) == ["carol@example.org", "zoe@example.org"]
    # A prefix, not a substring.
    assert listed_emails(client.get("/users?q=arol")) == []


def test_search_treats_like_wildcards_literally(client, admin, user_factory):
    user_factory(email="a_b@example.org", name="Under Score")
    user_factory(email="axb@example.org", name="Per Cent")
    user_factory(email="back\\slash@example.org", name="Back Slash")
    assert listed_emails(client.get("/users", query_string={"q": "a_"})) == ["a_b@example.org"]
    assert listed_emails(client.get("/users", query_string={"q": "%"})) == []
    assert listed_emails(client.get("/users", query_string={"q": "_"})) == []
    assert listed_emails(client.get("/users", query_string={"q": "back\\"})) == [
        "back\\slash@example.org"
    ]


def test_filters(client, admin, user_factory):
    now = utcnow()
    user_factory(email="res@example.org", name="R", roles=["Researcher"], last_login_at=now)
    user_factory(email="gone@example.org", name="G", is_active=False)
    user_factory(email="locked@example.org", name="L", locked_until=now + timedelta(minutes=5))
    user_factory(email="waslocked@example.org", name="W", locked_until=now - timedelta(minutes=5))
    user_factory(
        email="mfa@example.org", name="M", mfa=True, last_login_at=datetime(2020, 5, 1, tzinfo=UTC)
    )

    def emails(**args: str) -> list[str]:
        response = client.get("/users", query_string=args)
        assert response.status_code == 200, error_detail(response)
        return listed_emails(response)

    assert emails(role="Researcher") == ["res@example.org"]
    assert emails(role="Admin") == ["admin@example.org"]
    assert emails(status="deactivated") == ["gone@example.org"]
    assert "gone@example.org" not in emails(status="active")
    assert emails(locked="yes") == ["locked@example.org"]
    assert "waslocked@example.org" in emails(locked="no")
    assert "locked@example.org" not in emails(locked="no")
    assert emails(mfa="yes") == ["admin@example.org", "mfa@example.org"]
    assert "mfa@example.org" not in emails(mfa="no")
    # Never signed in counts as "no sign-in since".
    assert emails(no_sign_in_since="2021-01-01", q="m") == ["mfa@example.org"]
    assert "res@example.org" not in emails(no_sign_in_since="2021-01-01")
    assert "gone@example.org" in emails(no_sign_in_since="2021-01-01")
    assert emails(role="Admin", mfa="no") == []


def test_filter_values_are_kept_in_the_form_and_links(client, admin):
    UserFactory.create_batch(3, roles=["Viewer"])
    response = client.get(
        "/users",
        query_string={"q": "user", "role": "Viewer", "mfa": "no", "sort": "name", "per_page": 2},
    )
    page = text(response)
    assert 'value="user"' in page
    assert '<option value="Viewer" selected>' in page
    assert '<option value="name" selected>' in page
    next_url = link(NEXT_LINK, response)
    for part in ("q=user", "role=Viewer", "mfa=no", "sort=name", "per_page=2", "after="):
        assert part in next_url


def test_count_is_capped(client, admin, app_ctx):
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {
                "id": uuid.uuid4(),
                "email": f"bulk{i:05d}@example.org",
                "name": f"Bulk {i}",
                "password_hash": PASSWORD_HASH,
                "created_at": now,
                "updated_at": now,
                "password_changed_at": now,
                "is_active": True,
                "failed_login_count": 0,
                "lockout_count": 0,
                "must_change_password": False,
                "version": 1,
            }
            for i in range(10_001)
        ],
    )
    response = client.get("/users")
    assert response.status_code == 200
    assert "10,000+ users" in text(response)
    assert len(listed_emails(response)) == 50
    assert "10 users" in text(client.get("/users?q=bulk0000"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"sort": "password_hash"}, "Sort by: Unknown sort order."),
        ({"sort": ""}, "Sort by: Unknown sort order."),
        ({"order": "sideways"}, "Order: Order is asc or desc."),
        ({"no_sign_in_since": "2024-02-30"}, "No sign-in since: Give the date as YYYY-MM-DD."),
        ({"no_sign_in_since": "yesterday"}, "No sign-in since: Give the date as YYYY-MM-DD."),
        ({"q": "x" * 201}, "Search for at most 200 characters."),
        ({"q": "a\x00b"}, NUL_CHARACTER),
        ({"role": "Wizard"}, "Role: No such role."),
        ({"role": "admin"}, "Role: No such role."),
        ({"role": "Admin\x00"}, "Role:"),
        ({"status": "maybe"}, "Status: Not a valid choice."),
        ({"locked": "1"}, "Locked: Not a valid choice."),
        ({"mfa": "true"}, "MFA: Not a valid choice."),
        *BAD_PAGING,
    ],
)
def test_bad_query_arguments_are_a_400_with_a_reason(client, admin, args, message):
    assert message in refusal(client, "/users", args)


def test_a_cursor_from_another_order_is_refused(client, admin):
    UserFactory.create_batch(3)
    cursor = next_cursor(client, "/users", {"per_page": 2})
    for other in ({"sort": "name"}, {"order": "desc"}):
        query = {"after": cursor, "per_page": 2, **other}
        assert "That page link is not valid" in refusal(client, "/users", query)


def test_unknown_arguments_are_ignored(client, admin):
    response = client.get("/users", query_string={"password_hash": "x", "is_active": "0"})
    assert response.status_code == 200
    assert listed_emails(response) == ["admin@example.org"]
