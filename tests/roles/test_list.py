"""/roles: every role with its holders, prefix search, two orders, keyset pages."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.helpers.lists import BAD_LINK, BAD_PAGING, BAD_PER_PAGE, next_cursor, refusal, walk_pages
from tests.helpers.pages import PREV_LINK, link
from tests.helpers.pages import text as page_text

ROW_RE = re.compile(
    r'<tr data-role="([^"]+)">.*?data-permission-count>(\d+)<.*?data-holders>([\d,]+)<', re.S
)


def _rows(response) -> list[tuple[str, int, int]]:
    return [
        (html.unescape(name), int(perms), int(holders.replace(",", "")))
        for name, perms, holders in ROW_RE.findall(page_text(response))
    ]


def _holders(response) -> dict[str, int]:
    return {name: holders for name, _, holders in _rows(response)}


def test_list_shows_every_role_with_permission_and_holder_counts(
    client, admin, user_factory, make_role
):
    people = [user_factory(roles=["Researcher"]) for _ in range(3)]
    make_role("Lab Lead", ["models.view", "reports.generate"], holders=people[:2])
    make_role("Nobody Holds", ["plugins.view"])
    response = client.get("/roles")
    assert response.status_code == 200
    rows = {name: (perms, holders) for name, perms, holders in _rows(response)}
    assert rows == {
        "Admin": (19, 1),
        "Analyst": (3, 0),
        "Lab Lead": (2, 2),
        "Nobody Holds": (1, 0),
        "PI": (10, 0),
        "Researcher": (4, 3),
        "Viewer": (1, 0),
    }
    assert [name for name, _, _ in _rows(response)] == sorted(rows)


def test_list_costs_the_same_queries_however_many_roles(client, admin, user_factory, make_role):
    def statements_for_list() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/roles").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in seen if "FROM roles" in s])

    few = statements_for_list()
    for n in range(12):
        make_role(f"Extra {n:02d}", holders=[user_factory()])
    assert statements_for_list() == few


def test_search_by_name_prefix_ignores_case(client, admin, make_role):
    make_role("Lab Lead")
    make_role("lab-tech")
    make_role("Collab")
    response = client.get("/roles", query_string={"q": "LAB"})
    assert [name for name, _, _ in _rows(response)] == ["Lab Lead", "lab-tech"]
    assert 'value="LAB"' in page_text(response)


@pytest.mark.parametrize("q", ["%", "_", "L%", "\\"])
def test_search_wildcards_are_literal(client, admin, make_role, q):
    make_role("Lab Lead")
    response = client.get("/roles", query_string={"q": q})
    assert response.status_code == 200
    assert _rows(response) == []
    assert "No role name starts with" in page_text(response)


def test_sort_by_holders_puts_most_held_first(client, admin, user_factory, make_role):
    make_role("Big", holders=[user_factory() for _ in range(4)])
    make_role("Small", holders=[user_factory()])
    response = client.get("/roles", query_string={"sort": "holders"})
    names = [name for name, _, _ in _rows(response)]
    assert names[:3] == ["Big", "Admin", "Small"]
    # Ties (no holders) come by name.
    assert names[3:] == ["Analyst", "PI", "Researcher", "Viewer"]


@pytest.mark.parametrize("sort", ["name", "holders"])
def test_keyset_pages_walk_the_whole_list_both_ways(client, admin, user_factory, make_role, sort):
    for n in range(5):
        make_role(f"Team {n}", holders=[user_factory() for _ in range(n % 3)])
    everything = _rows(client.get("/roles", query_string={"sort": sort, "per_page": 200}))
    assert len(everything) == 10
    responses = walk_pages(client, f"/roles?sort={sort}&per_page=3")
    pages = [_rows(response) for response in responses]
    assert [row for page in pages for row in page] == everything
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    # "Previous" from the last page gives the third page back.
    assert _rows(client.get(link(PREV_LINK, responses[-1]))) == pages[2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"sort": "holders; DROP TABLE roles"}, "Sort the roles by one of: name, holders."),
        ({"per_page": "many"}, BAD_PER_PAGE),
        ({"after": "forged"}, BAD_LINK),
        ({"q": "a\x00b"}, "Search by the start of a role name"),
        ({"q": "x" * 65}, "Search by the start of a role name"),
        *BAD_PAGING,
    ],
)
def test_bad_query_arguments_are_a_400_with_a_message(client, admin, args, message):
    assert message in refusal(client, "/roles", args)


def test_cursor_from_the_other_order_is_refused(client, admin, make_role):
    for n in range(3):
        make_role(f"Group {n}")
    cursor = next_cursor(client, "/roles", {"per_page": 2})
    query = {"sort": "holders", "per_page": 2, "after": cursor}
    assert BAD_LINK in refusal(client, "/roles", query)
