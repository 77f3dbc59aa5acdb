"""The plugin list: name prefix search, status filter, two orders, keyset pages, capped count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import pagination
from portal.models.base import utcnow
from portal.pagination import capped_count
from tests.factories import PluginFactory
from tests.helpers.pages import NEXT_LINK, PREV_LINK, error_detail, link, text

ROW = re.compile(r'data-plugin-row="([^"]+)"')


def _names(response):
    assert response.status_code == 200, text(response)[:2000]
    return ROW.findall(text(response))


@pytest.fixture
def plugins(app_ctx):
    now = utcnow()
    specs = [
        ("alpha-tools", True, 3),
        ("alpha-view", False, 1),
        ("beta", True, 2),
        ("gamma", False, 5),
        ("delta", False, 4),
    ]
    for name, enabled, age in specs:
        PluginFactory(name=name, is_enabled=enabled, updated_at=now - timedelta(hours=age))


def test_by_name_by_default(client, admin, plugins):
    response = client.get("/plugins")
    assert _names(response) == ["alpha-tools", "alpha-view", "beta", "delta", "gamma"]
    assert "5 plugins" in text(response)


def test_prefix_search_and_status_filter(client, admin, plugins):
    assert _names(client.get("/plugins?q=alpha")) == ["alpha-tools", "alpha-view"]
    assert _names(client.get("/plugins?q=ALPHA-T")) == ["alpha-tools"]
    assert _names(client.get("/plugins?status=enabled")) == ["alpha-tools", "beta"]
    assert _names(client.get("/plugins?q=alpha&status=disabled")) == ["alpha-view"]
    assert _names(client.get("/plugins?q=zzz")) == []


def test_sort_by_last_update(client, admin, plugins):
    newest_first = ["alpha-view", "beta", "alpha-tools", "delta", "gamma"]
    assert _names(client.get("/plugins?sort=updated&order=desc")) == newest_first
    assert _names(client.get("/plugins?sort=updated")) == list(reversed(newest_first))


def test_keyset_pages_forward_and_back_keep_the_filters(client, admin, plugins):
    first = client.get("/plugins?per_page=2&status=disabled")
    assert _names(first) == ["alpha-view", "delta"]
    second_url = link(NEXT_LINK, first)
    assert "status=disabled" in second_url and "per_page=2" in second_url
    second = client.get(second_url)
    assert _names(second) == ["gamma"]
    assert link(NEXT_LINK, second) is None
    assert _names(client.get(link(PREV_LINK, second))) == ["alpha-view", "delta"]


def test_the_count_is_capped(client, admin, plugins, monkeypatch):
    monkeypatch.setattr(pagination, "capped_count", lambda stmt: capped_count(stmt, cap=3))
    assert "3+ plugins" in text(client.get("/plugins"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=version", "Sort by: Sort by name or updated."),
        ("order=up", "Order: Order is asc or desc."),
        ("status=maybe", "Status: Status is enabled or disabled."),
        ("q=" + "a" * 65, "Name starts with: Search for at most 64 characters."),
        ("q=a%25b", "Name starts with: Plugin names have only letters, digits and hyphens."),
        ("per_page=0", "Rows per page must be a number from 1 to 200."),
        ("after=forged", "That page link is not valid (it may be from another list or order)."),
        ("q=a%00", "Name starts with: This field contains a NUL character, which is not allowed."),
    ],
)
def test_bad_arguments_are_400_with_a_message(client, admin, plugins, query, message):
    response = client.get(f"/plugins?{query}")
    assert response.status_code == 400
    assert error_detail(response) == message


def test_a_cursor_from_another_order_is_refused(client, admin, plugins):
    next_url = link(NEXT_LINK, client.get("/plugins?per_page=2"))
    cursor = re.search(r"after=([^&]+)", next_url).group(1)
    response = client.get(f"/plugins?sort=updated&after={cursor}")
    assert response.status_code == 400
