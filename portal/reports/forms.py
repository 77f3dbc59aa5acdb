"""Forms of the /reports area: the list's filters and a report's parameters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from portal.forms import ANY, BaseForm, ListFilterForm, filter_field
from portal.models.base import utcnow
from portal.models.reports import REPORT_STATUSES
from portal.services.reports.errors import ReportRuleError
from portal.services.reports.kinds import NO_SUCH_WORKSPACE
from portal.services.reports.params import ReportParams, check_range
from portal.services.reports.requests import ReportFilters

if TYPE_CHECKING:
    from portal.models import Workspace
    from portal.services.reports.kinds import ReportKind

DEFAULT_RANGE_DAYS = 30
DATE_MESSAGE = "Give the date as YYYY-MM-DD."


def _today() -> date:
    return utcnow().date()


def _month_ago() -> date:
    return _today() - timedelta(days=DEFAULT_RANGE_DAYS - 1)


class ReportFilterForm(ListFilterForm):
    """The list's filters (GET query arguments, so no CSRF)."""

    kind = SelectField("Kind", choices=[ANY], default="", invalid_choice_message="No such kind.")
    status = filter_field("Status", {s: s.capitalize() for s in REPORT_STATUSES}, "No such status.")
    mine = filter_field(
        "Requested by", {"": "Anyone I can see", "yes": "Me"}, "Choose anyone or me."
    )

    def set_kinds(self, kinds: Sequence[tuple[str, str]]) -> None:
        """Offer these (name, title) kinds in the kind filter."""
        self.kind.choices = [ANY, *(SelectChoice(name, title) for name, title in kinds)]

    def filters(self) -> ReportFilters:
        """The validated filters for the query."""
        return ReportFilters(
            kind=self.kind.data or None,
            status=self.status.data or None,
            mine=self.mine.data == "yes",
        )


class ReportForm(BaseForm):
    """A report's parameters; fields its kind does not ask for are removed."""

    workspace = SelectField(
        "Workspace", choices=[], default="", invalid_choice_message=NO_SUCH_WORKSPACE
    )
    date_from = DateField(
        "From",
        default=_month_ago,
        validators=[InputRequired("Give a start date.")],
        invalid_value_message=DATE_MESSAGE,
    )
    date_to = DateField(
        "To (included)",
        default=_today,
        validators=[InputRequired("Give an end date.")],
        invalid_value_message=DATE_MESSAGE,
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Each field, then the range as a whole (to on or after from, at most 366 days)."""
        if not super().validate(extra_validators):
            return False
        if "date_from" not in self:
            return True
        try:
            check_range(self.date_from.data, self.date_to.data)
        except ReportRuleError as exc:
            self.date_to.errors = [*self.date_to.errors, str(exc)]
            return False
        return True

    def preselect(self, workspace_id: str | None) -> None:
        """Start with this workspace chosen, when it is one of the choices."""
        if workspace_id and workspace_id in {choice.value for choice in self.workspace.choices}:
            self.workspace.data = workspace_id

    def params(self) -> ReportParams:
        """The validated parameters."""
        workspace = uuid.UUID(self.workspace.data) if self.workspace.data else None
        if "date_from" not in self:
            return ReportParams(workspace_id=workspace)
        return ReportParams(workspace, self.date_from.data, self.date_to.data)


def report_form(kind: ReportKind, all_label: str, workspaces: Sequence[Workspace]) -> ReportForm:
    """The parameter form of ``kind``, offering ``workspaces`` beside the "all" choice."""
    form = ReportForm()
    form.workspace.choices = [
        SelectChoice("", all_label),
        *(SelectChoice(str(w.id), w.name) for w in workspaces),
    ]
    if not kind.dated:
        del form["date_from"]
        del form["date_to"]
    return form
