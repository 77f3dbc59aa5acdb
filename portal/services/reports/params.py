"""What a report is asked for: an optional workspace, a date range, filters (checked)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from portal.services.reports.errors import ReportRuleError

# A date range covers at most this many days, both ends included (a leap year fits).
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class ReportParams:
    """What a report was asked for: an optional workspace and an optional date range."""

    workspace_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    # Free-form text filters of kinds that take them (the audit export); checked by the kind.
    filters: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``parameters`` column's value (the workspace has a column of its own)."""
        values = {"from": self.date_from, "to": self.date_to}
        stored: dict[str, Any] = {
            key: value.isoformat() for key, value in values.items() if value is not None
        }
        if self.filters:
            stored["filters"] = dict(self.filters)
        return stored

    def dates(self) -> tuple[date, date]:
        """The range's first and last day (refused when the report has no range)."""
        if self.date_from is None or self.date_to is None:
            raise ReportRuleError("This report needs a date range.")
        return self.date_from, self.date_to

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as UTC instants: from the start of the first day to the end of the last."""
        first, last = self.dates()
        start = datetime.combine(first, time.min, tzinfo=UTC)
        return start, datetime.combine(last, time.min, tzinfo=UTC) + timedelta(days=1)

    def days(self) -> list[date]:
        """Every day of the range, in order."""
        first, last = self.dates()
        return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def check_range(date_from: date | None, date_to: date | None) -> None:
    """Refuse a missing, reversed or too long date range."""
    if date_from is None or date_to is None:
        raise ReportRuleError("Give both a start and an end date.")
    if date_to < date_from:
        raise ReportRuleError("The end date must be on or after the start date.")
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        raise ReportRuleError(f"A report covers at most {MAX_RANGE_DAYS} days.")


def _date(raw: Any, label: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ReportRuleError(f"The report's {label} date is not valid.") from exc


def parse_params(
    raw: Mapping[str, Any], workspace_id: uuid.UUID | None, *, dated: bool
) -> ReportParams:
    """Stored parameters back as ``ReportParams`` (checked again: the job trusts nothing)."""
    stored = raw.get("filters") or {}
    if not isinstance(stored, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in stored.items()
    ):
        raise ReportRuleError("The report's filters are not valid.")
    filters = tuple(sorted(stored.items()))
    if not dated:
        return ReportParams(workspace_id=workspace_id, filters=filters)
    if "from" not in raw or "to" not in raw:
        raise ReportRuleError("The report's date range is missing.")
    date_from, date_to = _date(raw["from"], "start"), _date(raw["to"], "end")
    check_range(date_from, date_to)
    return ReportParams(workspace_id, date_from, date_to, filters)
