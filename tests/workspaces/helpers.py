"""Helpers of the /workspaces tests: reading pages, posting forms, pictures of the DB."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import User, Workspace, WorkspaceMember
from tests.helpers.pages import post_form, text
from tests.helpers.records import row_count

ROW = re.compile(r'data-workspace-row="([^"]+)"')
MEMBER_ROW = re.compile(r'data-member-row="([^"]+)"')


def listed(response: Any, pattern: re.Pattern[str] = ROW) -> list[str]:
    """The slugs (or member emails) of the rows on a list page, in order."""
    return [html.unescape(value) for value in pattern.findall(text(response))]


def post(client: FlaskClient, path: str, **data: Any) -> Any:
    """POST ``data`` with a valid CSRF token of the client's session."""
    return post_form(client, path, data, token_from="/logout")


def state(workspace_id: uuid.UUID) -> dict[str, Any]:
    """Everything a change could touch in a workspace and its members."""
    db.session.expire_all()
    workspace = db.session.get(Workspace, workspace_id)
    assert workspace is not None
    members = db.session.execute(
        sa.select(WorkspaceMember.user_id, WorkspaceMember.role).where(
            WorkspaceMember.workspace_id == workspace_id
        )
    )
    return {
        "name": workspace.name,
        "slug": workspace.slug,
        "description": workspace.description,
        "settings": workspace.settings,
        "is_archived": workspace.is_archived,
        "version": workspace.version,
        "owner_id": workspace.owner_id,
        "members": sorted((str(user_id), role) for user_id, role in members),
    }


def workspace_count() -> int:
    """How many workspaces exist."""
    return row_count(Workspace)


def member_id(workspace: Workspace, email: str) -> uuid.UUID:
    """The id of the membership of ``workspace`` of the user with this email."""
    found = db.session.scalar(
        sa.select(WorkspaceMember.id)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id, User.email == email)
    )
    assert found is not None, email
    return found


def role_of(workspace: Workspace, email: str) -> str | None:
    """The workspace role of the user with this email (None when not a member)."""
    return db.session.scalar(
        sa.select(WorkspaceMember.role)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id, User.email == email)
    )
