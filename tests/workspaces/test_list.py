"""/workspaces: scoping, search, the archived filter, sort, keyset pages and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Workspace
from portal.models.base import utcnow
from tests.factories import MemberFactory, WorkspaceFactory
from tests.helpers.lists import (
    BAD_PAGING,
    BAD_PER_PAGE,
    keyset_order,
    next_cursor,
    refusal,
    walk_pages,
)
from tests.helpers.pages import NUL_CHARACTER, PREV_LINK, link, text
from tests.workspaces.helpers import listed


def test_a_researcher_sees_only_their_workspaces(client, researcher):
    mine = WorkspaceFactory(name="Mine", slug="mine")
    WorkspaceFactory(name="Theirs", slug="theirs")
    MemberFactory(workspace=mine, user=researcher, role="viewer")
    response = client.get("/workspaces")
    assert response.status_code == 200
    assert listed(response) == ["mine"]
    page = text(response)
    assert "1 workspace" in page and "Viewer" in page
    assert 'href="/workspaces/new"' not in page


def test_an_admin_sees_all_and_may_create(client, admin):
    WorkspaceFactory(name="Alpha", slug="alpha")
    WorkspaceFactory(name="Beta", slug="beta")
    response = client.get("/workspaces")
    assert listed(response) == ["alpha", "beta"]
    assert 'href="/workspaces/new"' in text(response)


def test_a_pi_sees_owned_and_joined_workspaces_only(client, pi, make_pi):
    WorkspaceFactory(name="Own", slug="own", owner=pi)
    joined = WorkspaceFactory(name="Joined", slug="joined", owner=make_pi("other@example.org"))
    MemberFactory(workspace=joined, user=pi, role="editor")
    WorkspaceFactory(name="Elsewhere", slug="elsewhere")
    response = client.get("/workspaces")
    assert listed(response) == ["joined", "own"]
    assert 'href="/workspaces/new"' in text(response)


def test_archived_filter(client, admin):
    WorkspaceFactory(name="Live", slug="live")
    WorkspaceFactory(name="Old", slug="old", is_archived=True)
    assert listed(client.get("/workspaces")) == ["live"]
    assert listed(client.get("/workspaces?status=active")) == ["live"]
    assert listed(client.get("/workspaces?status=archived")) == ["old"]
    assert listed(client.get("/workspaces?status=all")) == ["live", "old"]
    assert "Archived" in text(client.get("/workspaces?status=archived"))


def test_a_member_does_not_see_an_archived_workspace_of_others(client, researcher):
    WorkspaceFactory(name="Old", slug="old", is_archived=True)
    assert listed(client.get("/workspaces?status=all")) == []


def test_search_is_a_case_insensitive_name_prefix(client, admin):
    WorkspaceFactory(name="Gene Atlas", slug="g1")
    WorkspaceFactory(name="gene panel", slug="g2")
    WorkspaceFactory(name="Pathways of genes", slug="p1")
    assert listed(client.get("/workspaces?q=GENE")) == ["g1", "g2"]
    assert listed(client.get("/workspaces?q=genes")) == []
    assert listed(client.get("/workspaces?q=path")) == ["p1"]


def test_search_treats_like_wildcards_literally(client, admin):
    WorkspaceFactory(name="a_b", slug="under")
    WorkspaceFactory(name="axb", slug="plain")
    WorkspaceFactory(name="back\\slash", slug="back")
    assert listed(client.get("/workspaces", query_string={"q": "a_"})) == ["under"]
    assert listed(client.get("/workspaces", query_string={"q": "%"})) == []
    assert listed(client.get("/workspaces", query_string={"q": "back\\"})) == ["back"]


def _expected(*order_by: sa.ColumnElement) -> list[str]:
    stmt = sa.select(Workspace.slug).where(Workspace.is_archived.is_(False)).order_by(*order_by)
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize(
    ("sort", "order"), [("name", "asc"), ("name", "desc"), ("created", "asc"), ("created", "desc")]
)
def test_sort_orders_across_pages(client, admin, sort, order):
    base = utcnow() - timedelta(days=10)
    for i in range(12):
        WorkspaceFactory(name=f"WS {(i * 7) % 12:02d}", created_at=base + timedelta(hours=i))
    column = {"name": Workspace.name, "created": Workspace.created_at}[sort]
    expected = _expected(*keyset_order(column, Workspace.id, order))
    responses = walk_pages(client, f"/workspaces?sort={sort}&order={order}&per_page=5")
    assert [slug for response in responses for slug in listed(response)] == expected


def test_walking_next_and_back_keeps_the_filters(client, admin):
    for i in range(7):
        WorkspaceFactory(name=f"Lab {i}", slug=f"lab-{i}")
    WorkspaceFactory(name="Other", slug="other")
    responses = walk_pages(client, "/workspaces?q=lab&per_page=3", keeps=("q=lab", "per_page=3"))
    first = responses[0]
    assert "7 workspaces" in text(first) and link(PREV_LINK, first) is None
    pages = [listed(response) for response in responses]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [s for p in pages for s in p] == [f"lab-{i}" for i in range(7)]
    back = client.get(link(PREV_LINK, responses[-1]))
    assert listed(back) == pages[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"q": "x" * 201}, "Search for at most 200 characters."),
        ({"q": "a\x00b"}, NUL_CHARACTER),
        ({"status": "deleted"}, "Show: Show active, archived or all."),
        ({"status": ""}, "Show: Show active, archived or all."),
        ({"sort": "owner_id"}, "Sort by: Unknown sort order."),
        ({"order": "up"}, "Order: Order is asc or desc."),
        ({"per_page": "ten"}, BAD_PER_PAGE),
        *BAD_PAGING,
    ],
)
def test_bad_query_arguments_are_a_400_with_a_reason(client, admin, args, message):
    assert message in refusal(client, "/workspaces", args)


def test_a_cursor_from_another_order_is_refused(client, admin):
    WorkspaceFactory.create_batch(3)
    cursor = next_cursor(client, "/workspaces", {"per_page": 2})
    query = {"after": cursor, "sort": "created"}
    assert "That page link is not valid" in refusal(client, "/workspaces", query)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/workspaces")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
