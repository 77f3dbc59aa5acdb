"""Template filters: every page shows a time the same way.

``{{ value|datetime }}`` renders ``<time datetime="2026-12-01T14:05:09+00:00">2026-12-01
14:05 UTC</time>``; ``{{ value|date }}`` the same element with only the day as its text.
The ``datetime`` attribute always holds the exact moment (ISO 8601, UTC). A missing value
(None) renders as the placeholder, empty unless the page gives one:
``{{ worker.last_heartbeat|datetime("never") }}``. Naive datetimes (SQLite, RQ) are taken
as UTC; aware ones are converted to UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from jinja2 import Undefined
from markupsafe import Markup, escape

DATETIME_TEXT = "%Y-%m-%d %H:%M UTC"
DATE_TEXT = "%Y-%m-%d"
_TIME_ELEMENT = Markup('<time datetime="{}">{}</time>')


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _time_element(value: date | datetime | None, text_format: str, placeholder: str) -> Markup:
    if value is None or isinstance(value, Undefined):
        return escape(placeholder)
    if isinstance(value, datetime):
        value = _as_utc(value)
    elif not isinstance(value, date):
        raise TypeError(f"expected a datetime or a date, got {type(value).__name__}")
    return _TIME_ELEMENT.format(value.isoformat(), value.strftime(text_format))


def datetime_filter(value: datetime | None, placeholder: str = "") -> Markup:
    """A moment as ``<time datetime="…">YYYY-MM-DD HH:MM UTC</time>``."""
    return _time_element(value, DATETIME_TEXT, placeholder)


def date_filter(value: date | datetime | None, placeholder: str = "") -> Markup:
    """A moment (or a day) as ``<time datetime="…">YYYY-MM-DD</time>``, the day in UTC."""
    return _time_element(value, DATE_TEXT, placeholder)


def init_app(app: Flask) -> None:
    """Offer the time filters to templates."""
    app.jinja_env.filters.update(datetime=datetime_filter, date=date_filter)
