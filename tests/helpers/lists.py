"""List pages: the refusals every keyset-paged list shares, and asking a list for a page."""

from __future__ import annotations

import urllib.parse
from typing import Any

from flask.testing import FlaskClient

from tests.helpers.pages import NEXT_LINK, error_detail, link, text

BAD_LINK = "That page link is not valid"
BAD_PER_PAGE = "Rows per page must be a number from 1 to 200."

# What portal.pagination refuses on every list page: (query arguments, the 400's reason).
BAD_PAGING: list[tuple[dict[str, str], str]] = [
    ({"after": "not-a-cursor"}, BAD_LINK),
    ({"after": "a\x00b"}, BAD_LINK),
    ({"before": "x" * 2000}, BAD_LINK),
    ({"after": "a", "before": "b"}, "Give either 'after' or 'before', not both."),
    ({"per_page": "0"}, BAD_PER_PAGE),
    ({"per_page": "abc"}, BAD_PER_PAGE),
    ({"per_page": "100000"}, BAD_PER_PAGE),
]


def keyset_order(column: Any, tiebreak: Any, order: str) -> tuple[Any, Any]:
    """The ORDER BY of a list sorted by ``column`` in ``order`` ("asc" or "desc"), ties
    broken by ``tiebreak`` the same way: what its pages must add up to."""
    if order == "desc":
        return column.desc(), tiebreak.desc()
    return column.asc(), tiebreak.asc()


def walk_pages(client: FlaskClient, url: str, *, keeps: tuple[str, ...] = ()) -> list[Any]:
    """Every page from ``url`` on, following the next-page links to the last page: their
    responses, each a 200. Each link followed still holds the ``keeps`` query parts (the
    filters, order and page size)."""
    responses = [client.get(url)]
    while True:
        response = responses[-1]
        assert response.status_code == 200, (response.status_code, text(response)[:2000])
        next_url = link(NEXT_LINK, response)
        if next_url is None:
            return responses
        for part in keeps:
            assert part in next_url, (part, next_url)
        responses.append(client.get(next_url))


def refusal(client: FlaskClient, path: str, query: dict[str, Any]) -> str:
    """GET the list at ``path`` with a bad ``query``: a 400 that says why; the reason."""
    response = client.get(path, query_string=query)
    assert response.status_code == 400, (response.status_code, text(response)[:2000])
    return error_detail(response)


def next_cursor(client: FlaskClient, path: str, query: dict[str, Any]) -> str:
    """The ``after`` cursor that the next-page link of the list's first page carries."""
    href = link(NEXT_LINK, client.get(path, query_string=query))
    assert href is not None, f"no next page on {path} {query}"
    return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)["after"][0]
