"""The registry of report kinds: title, parameters, who may run each, and its rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import User, Workspace
from portal.security.permissions import Permission
from portal.services.audit.export import audit_export_rows, jsonl_rows
from portal.services.errors import NotAllowedError, NotFoundError
from portal.services.reports.access_review import access_review
from portal.services.reports.audit_summary import audit_summary
from portal.services.reports.errors import ReportRuleError
from portal.services.reports.params import ReportParams, check_range
from portal.services.reports.rows import ReportRows, RunContext
from portal.services.reports.workspace_activity import workspace_activity
from portal.services.workspaces.access import (
    Need,
    get_workspace_for,
    in_visible_workspaces,
    owned_workspace_ids,
    runs_own_workspaces,
    sees_all_workspaces,
)

# Extra kinds may be added through this config key (a {name: ReportKind} mapping).
EXTRA_KINDS_CONFIG = "REPORT_EXTRA_KINDS"
MAX_WORKSPACE_CHOICES = 1000
NO_SUCH_WORKSPACE = "There is no such workspace, or you may not report on it."


@dataclass(frozen=True)
class Audience:
    """Who may request a kind of report, and what they get when no workspace is chosen."""

    # Who may request it at all (checked again when the job runs).
    may_request: Callable[[User], bool]
    # Who gets everything when no workspace is chosen (others get their own workspaces).
    full_scope: Callable[[User], bool]
    # What a chosen workspace needs of users without full scope: "view" or "manage".
    member_need: Need
    # The "no workspace chosen" option: (for full scope, for the others).
    all_labels: tuple[str, str]


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: what it asks for, who may run it, and how its rows are made."""

    name: str
    title: str
    description: str
    # Whether the form asks for a date range (every kind may be scoped to one workspace).
    dated: bool
    audience: Audience
    build: Callable[[RunContext], ReportRows]
    # The file format ("csv" or "jsonl"), and whether /reports/new offers the kind (the
    # audit exports are started from the audit trail, with its filters).
    output: str = "csv"
    listed: bool = True

    def available(self, user: User) -> bool:
        """Whether ``user`` may request this kind of report at all."""
        return self.audience.may_request(user)

    def workspace_need(self, user: User) -> Need:
        """What ``user`` needs on a workspace to scope this report to it."""
        return "view" if self.audience.full_scope(user) else self.audience.member_need

    def all_label(self, user: User) -> str:
        """How the "no workspace" choice reads for ``user``."""
        first, others = self.audience.all_labels
        return first if self.audience.full_scope(user) else others

    def check(self, user: User, params: ReportParams) -> Workspace | None:
        """Refuse when ``user`` may not run this report so (at request time and when it runs)."""
        if not self.available(user):
            raise ReportRuleError(f"You may not run the {self.title} report.")
        if self.dated:
            check_range(params.date_from, params.date_to)
        if params.workspace_id is None:
            return None
        try:
            return get_workspace_for(
                user, params.workspace_id, self.workspace_need(user), allow_archived=True
            )
        except (NotFoundError, NotAllowedError) as exc:  # unseen, or seen but not owned
            raise ReportRuleError(NO_SUCH_WORKSPACE) from exc

    def workspace_choices(self, user: User) -> list[Workspace]:
        """The workspaces ``user`` may scope this report to, by name."""
        if self.workspace_need(user) == "view":
            condition = in_visible_workspaces(user, Workspace.id)
        else:
            condition = Workspace.id.in_(owned_workspace_ids(user))
        stmt = select(Workspace).where(condition).order_by(Workspace.name, Workspace.id)
        return list(db.session.scalars(stmt.limit(MAX_WORKSPACE_CHOICES)))


def _reviews_access(user: User) -> bool:
    return user.can(Permission.USERS_VIEW) and (
        sees_all_workspaces(user) or runs_own_workspaces(user)
    )


def _reads_audit(user: User) -> bool:
    return user.can(Permission.AUDIT_VIEW_ALL) or user.can(Permission.AUDIT_VIEW_OWN)


def _reads_all_audit(user: User) -> bool:
    return user.can(Permission.AUDIT_VIEW_ALL)


def _generates(user: User) -> bool:
    return user.can(Permission.REPORTS_GENERATE)


# Administrators everyone, PIs the members of what they own.
ACCESS_REVIEWERS = Audience(
    _reviews_access, sees_all_workspaces, "manage", ("Everyone", "All workspaces I own")
)
# Administrators every event, PIs those of what they own.
AUDIT_READERS = Audience(
    _reads_audit, _reads_all_audit, "manage", ("All events", "All workspaces I own")
)
# Whoever generates reports, on the workspaces they can see.
GENERATORS = Audience(
    _generates, sees_all_workspaces, "view", ("All workspaces", "All workspaces I can see")
)

ACCESS_REVIEW = ReportKind(
    "access_review",
    "Access review",
    "Who holds access, with their roles, MFA status and last sign-in: the periodic "
    "certification. Administrators get everyone; a PI gets the members of the workspaces "
    "they own, with their workspace role.",
    dated=False,
    audience=ACCESS_REVIEWERS,
    build=access_review,
)
AUDIT_SUMMARY = ReportKind(
    "audit_summary",
    "Audit summary",
    "Audit events counted per day, action and actor over a date range (up to 366 days). "
    "A PI sees the events of the workspaces they own.",
    dated=True,
    audience=AUDIT_READERS,
    build=audit_summary,
)
WORKSPACE_ACTIVITY = ReportKind(
    "workspace_activity",
    "Workspace activity",
    "Per workspace: members by role, models by stage, and the reports and audit events of "
    "a date range. One workspace, or all you can see.",
    dated=True,
    audience=GENERATORS,
    build=workspace_activity,
)
# Started from the audit trail with its filters, so not offered on /reports/new.
AUDIT_EXPORTS = tuple(
    ReportKind(
        f"audit_export_{fmt}",
        f"Audit export ({label})",
        "The audit events matching the trail's filters, oldest first.",
        dated=False,
        audience=AUDIT_READERS,
        build=audit_export_rows if fmt == "csv" else jsonl_rows,
        output=fmt,
        listed=False,
    )
    for fmt, label in (("csv", "CSV"), ("jsonl", "JSON Lines"))
)
KINDS: dict[str, ReportKind] = {
    kind.name: kind for kind in (ACCESS_REVIEW, AUDIT_SUMMARY, WORKSPACE_ACTIVITY, *AUDIT_EXPORTS)
}


def all_kinds() -> dict[str, ReportKind]:
    """Every kind this app offers: the built-in ones and any configured extras."""
    return {**KINDS, **current_app.config.get(EXTRA_KINDS_CONFIG, {})}


def get_kind(name: str) -> ReportKind | None:
    """The kind called ``name``, if there is one."""
    return all_kinds().get(name)


def kinds_for(user: User) -> list[ReportKind]:
    """The kinds ``user`` may request, in registry order."""
    return [kind for kind in all_kinds().values() if kind.listed and kind.available(user)]


def output_of(name: str) -> str:
    """The file format of a kind's reports ("csv" when the kind is no longer offered)."""
    kind = get_kind(name)
    return kind.output if kind is not None else "csv"


def kind_title(name: str) -> str:
    """A kind's title for display (its name when the kind is no longer offered)."""
    kind = get_kind(name)
    return kind.title if kind is not None else name
