"""Rows of the access review: who holds access, with roles, MFA and last sign-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import User, Workspace, WorkspaceMember
from portal.services.reports.rows import CHUNK_ROWS, Chunk, ReportRows, RunContext, percent, when
from portal.services.workspaces.access import owned_workspace_ids, sees_all_workspaces

# The reviewer fills in the last column: keep or revoke each person's access.
EVERYONE_HEADER = [
    "email",
    "name",
    "account",
    "portal roles",
    "MFA",
    "MFA enrolled (UTC)",
    "last sign-in (UTC)",
    "last sign-in IP",
    "created (UTC)",
    "decision (keep/revoke)",
]
MEMBERS_HEADER = [
    "workspace",
    "email",
    "name",
    "workspace role",
    "member since (UTC)",
    "account",
    "portal roles",
    "MFA",
    "last sign-in (UTC)",
    "decision (keep/revoke)",
]


def _account(user: User) -> list[str]:
    return [
        "active" if user.is_active else "deactivated",
        "; ".join(role.name for role in user.roles),
        "enrolled" if user.mfa_enrolled_at else "not enrolled",
    ]


def _everyone() -> Iterator[Chunk]:
    total = db.session.scalar(select(func.count()).select_from(User)) or 0
    done, last = 0, None
    while True:
        stmt = select(User).options(selectinload(User.roles)).order_by(User.email)
        if last is not None:
            stmt = stmt.where(User.email > last)
        users = list(db.session.scalars(stmt.limit(CHUNK_ROWS)))
        if not users:
            return
        done, last = done + len(users), users[-1].email
        rows = [
            [
                user.email,
                user.name,
                *_account(user),
                when(user.mfa_enrolled_at),
                when(user.last_login_at, "never"),
                user.last_login_ip or "",
                when(user.created_at),
                "",
            ]
            for user in users
        ]
        yield Chunk(rows, percent(done, total))


def _members(workspace_ids: list[uuid.UUID]) -> Iterator[Chunk]:
    in_scope = WorkspaceMember.workspace_id.in_(workspace_ids)
    total = db.session.scalar(select(func.count()).where(in_scope)) or 0
    # Plain tuples: the job commits between chunks, which expires ORM objects.
    workspaces = db.session.execute(
        select(Workspace.id, Workspace.name)
        .where(Workspace.id.in_(workspace_ids))
        .order_by(Workspace.name, Workspace.id)
    ).all()
    done = 0
    for workspace_id, workspace_name in workspaces:
        last = None
        while True:
            stmt = (
                select(WorkspaceMember, User)
                .join(User, User.id == WorkspaceMember.user_id)
                .where(WorkspaceMember.workspace_id == workspace_id)
                .options(selectinload(User.roles))
                .order_by(User.email)
                .limit(CHUNK_ROWS)
            )
            if last is not None:
                stmt = stmt.where(User.email > last)
            pairs = db.session.execute(stmt).all()
            if not pairs:
                break
            done, last = done + len(pairs), pairs[-1][1].email
            rows = [
                [
                    workspace_name,
                    user.email,
                    user.name,
                    member.role,
                    when(member.joined_at),
                    *_account(user),
                    when(user.last_login_at, "never"),
                    "",
                ]
                for member, user in pairs
            ]
            yield Chunk(rows, percent(done, total))


def access_review(ctx: RunContext) -> ReportRows:
    """Who holds access: everyone (Admin), or the members of the workspaces one owns (PI)."""
    if ctx.params.workspace_id is None and sees_all_workspaces(ctx.requester):
        return ReportRows(EVERYONE_HEADER, _everyone())
    if ctx.params.workspace_id is not None:
        ids = [ctx.params.workspace_id]
    else:
        ids = list(db.session.scalars(owned_workspace_ids(ctx.requester)))
    return ReportRows(MEMBERS_HEADER, _members(ids))
