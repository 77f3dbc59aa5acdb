"""Keyset pagination for every list: no OFFSET, no COUNT over the table, signed cursors."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, SQLColumnExpression, func, select, tuple_

from portal.extensions import db

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
COUNT_CAP = 10_000


class InvalidPageRequest(ValueError):
    """A page link whose cursor or size is not one the portal made (a 400 page)."""


@dataclass(frozen=True)
class SortKey:
    """An order for a list: expressions whose values together are unique (end with the id)."""

    label: str
    columns: tuple[SQLColumnExpression[Any], ...]
    descending: bool = False

    @classmethod
    def named(
        cls, area: str, sort: str, columns: tuple[SQLColumnExpression[Any], ...], descending: bool
    ) -> SortKey:
        """A list's order ``sort`` (its cursors carry ``area:sort:direction``)."""
        return cls(f"{area}:{sort}:{'desc' if descending else 'asc'}", columns, descending)


@dataclass(frozen=True)
class PageRequest:
    """Where to start (``after``/``before`` a cursor) and how many rows."""

    after: str | None = None
    before: str | None = None
    per_page: int = DEFAULT_PER_PAGE


@dataclass(frozen=True)
class Page:
    """One page of rows with cursors to the neighbouring pages (None at either end)."""

    items: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    per_page: int


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="omniscope.page-cursor")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, dict) and "uuid" in value:
        return uuid.UUID(value["uuid"])
    return value


def encode_cursor(key: SortKey, values: Sequence[Any]) -> str:
    """A signed, opaque cursor for the row whose sort values are ``values``."""
    return _serializer().dumps([key.label, [_encode_value(v) for v in values]])


def decode_cursor(key: SortKey, cursor: str) -> list[Any]:
    """The sort values in ``cursor``; 400 when it was not made by us for this order."""
    try:
        label, values = _serializer().loads(cursor)
        if label != key.label or len(values) != len(key.columns):
            raise ValueError("cursor for another order")
        return [_decode_value(v) for v in values]
    except (BadSignature, ValueError, TypeError, KeyError) as exc:
        raise InvalidPageRequest(
            "That page link is not valid (it may be from another list or order)."
        ) from exc


def parse_page_request(args: Mapping[str, str]) -> PageRequest:
    """Read ``after``, ``before`` and ``per_page`` from query arguments (400 on nonsense)."""
    after, before = args.get("after") or None, args.get("before") or None
    if after and before:
        raise InvalidPageRequest("Give either 'after' or 'before', not both.")
    for value in (after, before):
        if value is not None and (len(value) > 1024 or "\x00" in value):
            raise InvalidPageRequest("That page link is not valid.")
    raw = args.get("per_page", "")
    if raw == "":
        per_page = DEFAULT_PER_PAGE
    elif raw.isdigit() and 1 <= int(raw) <= MAX_PER_PAGE:
        per_page = int(raw)
    else:
        raise InvalidPageRequest(f"Rows per page must be a number from 1 to {MAX_PER_PAGE}.")
    return PageRequest(after=after, before=before, per_page=per_page)


def paginate(stmt: Select, key: SortKey, request: PageRequest) -> Page:
    """Run ``stmt`` (selecting one entity) for one page in ``key``'s order."""
    columns = key.columns
    backwards = request.before is not None
    cursor = request.before if backwards else request.after
    # Walking backwards flips both the comparison and the order, then the rows.
    ascending = key.descending == backwards
    query = stmt.add_columns(*(c.label(f"_k{i}") for i, c in enumerate(columns)))
    if cursor is not None:
        row_key, values = tuple_(*columns), tuple_(*decode_cursor(key, cursor))
        query = query.where(row_key > values if ascending else row_key < values)
    query = query.order_by(*(c.asc() if ascending else c.desc() for c in columns))
    rows = list(db.session.execute(query.limit(request.per_page + 1)))
    more = len(rows) > request.per_page
    rows = rows[: request.per_page]
    if backwards:
        rows.reverse()
    items = [row[0] for row in rows]
    first = encode_cursor(key, rows[0][1:]) if rows else None
    last = encode_cursor(key, rows[-1][1:]) if rows else None
    if backwards:
        return Page(
            items, next_cursor=last, prev_cursor=first if more else None, per_page=request.per_page
        )
    return Page(
        items,
        next_cursor=last if more else None,
        prev_cursor=first if cursor is not None else None,
        per_page=request.per_page,
    )


def capped_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows ``stmt`` gives, counting at most ``cap`` (and whether it stopped there)."""
    limited = stmt.order_by(None).limit(cap + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(count, cap), count > cap


@dataclass(frozen=True)
class CountedPage:
    """One keyset page and how many rows match in all (capped: ``more`` when past the cap)."""

    page: Page
    count: int
    more: bool


def counted_page(
    stmt: Select, key: SortKey, page_request: PageRequest, *options: Any
) -> CountedPage:
    """One page of ``stmt`` in ``key`` order (loader ``options`` on the page's rows only),
    with the capped count of all its rows."""
    page = paginate(stmt.options(*options) if options else stmt, key, page_request)
    count, more = capped_count(stmt)
    return CountedPage(page, count, more)
